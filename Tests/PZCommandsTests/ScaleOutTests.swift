import Foundation
import PZGraph
import PZTestSupport
import PZVolume
import Testing

/// `submit slurm`, `submit k8s`, `status` and `--shard auto`, without a batch
/// system: the written script run by bash with the variables SLURM sets, the
/// manifest read back, a failing shard, and two processes on one shard.
/// (`SlurmArrayTests` runs the script on a real SLURM.)
@Suite struct ScaleOutTests {
    let volumes = PredictCommandTests()
    let chunkOptions = ["--chunk", "4,16,16"]

    /// A small model and volume in a new directory.
    func setUp() throws -> (directory: String, model: String, raw: String) {
        let directory = try TestPaths.makeTemporaryDirectory()
        let model = try volumes.net([6, 16, 16], in: directory, name: "tile")
        let (raw, _) = try volumes.volume(in: directory)
        return (directory, model, raw)
    }

    /// Runs `script` as task `task` of a SLURM array would (the variables sbatch sets).
    func runAsArrayTask(_ script: String, task: Int, tasks: Int, in directory: String) throws -> CLI.Result {
        try CLI.tool("bash", [script], in: directory, environment: [
            "SLURM_ARRAY_JOB_ID": "77", "SLURM_ARRAY_TASK_ID": "\(task)", "SLURM_ARRAY_TASK_MIN": "0",
            "SLURM_ARRAY_TASK_MAX": "\(tasks - 1)", "SLURM_ARRAY_TASK_COUNT": "\(tasks)", "SLURM_CPUS_PER_TASK": "1",
        ])
    }

    /// The script `submit slurm` writes, run as each of its 4 array tasks, gives
    /// the bytes of one predict; status follows the shards, from none to all.
    @Test func slurmScriptTasksUnionIsOneRun() throws {
        let (directory, model, raw) = try setUp()
        let single = try CLI.run(["predict", model, raw, "-o", directory + "/single.zarr"] + chunkOptions)
        #expect(single.status == 0, "\(single.stderr)")
        let submit = try CLI.run(["submit", "slurm", model, raw, "-o", "sharded.zarr", "--tasks", "4", "--time", "30",
                                  "--memory", "2G", "--cpus-per-task", "1", "--partition", "cpu", "--sbatch=--qos=short",
                                  "--", "--blend", "bump"] + chunkOptions, in: directory)
        #expect(submit.status == 0, "\(submit.stderr)")
        let script = directory + "/sharded.slurm.sh"
        #expect(submit.stdout.contains("wrote \(script)") && submit.stdout.contains("sbatch \(script)"), "\(submit.stdout)")
        let text = try String(contentsOfFile: script, encoding: .utf8)
        for line in ["#SBATCH --array=0-3", "#SBATCH --time=30", "#SBATCH --cpus-per-task=1", "#SBATCH --mem=2048M",
                     "#SBATCH --requeue", "#SBATCH --partition=cpu", "#SBATCH --qos=short",
                     "#SBATCH --output=\(directory)/sharded.logs/%x-%A_%a.log",
                     "--shard auto/4 --threads \"${SLURM_CPUS_PER_TASK:-1}\" --max-memory 2048M --blend bump --chunk 4,16,16"] {
            #expect(text.contains(line), "no '\(line)' in\n\(text)")
        }
        #expect(text.contains("exec \(CLI.executable.resolvingSymlinksInPath().path) predict \(model) \(raw) -o \(directory)/sharded.zarr"),
                "\(text)")
        #expect(FileManager.default.fileExists(atPath: directory + "/sharded.logs"))

        for task in [2, 0, 3, 1] {
            let ran = try runAsArrayTask(script, task: task, tasks: 4, in: directory)
            #expect(ran.status == 0, "\(ran.stderr)")
            #expect(ran.stdout.contains("pzconv shard \(task)/4: job 77_\(task)"), "\(ran.stdout)")
            if task == 2 {
                let status = try CLI.run(["status", directory + "/sharded.zarr"])
                #expect(status.stdout.contains("4 shards") && status.stdout.contains("shard 1/4: 0 of"), "\(status.stdout)")
                #expect(status.stdout.contains("shard 2/4: 6 of 6 chunks; complete, finished"), "\(status.stdout)")
                #expect(status.stdout.contains("(SLURM job 77_2)"), "\(status.stdout)")
            }
        }
        #expect(try volumes.files(directory + "/sharded.zarr") == volumes.files(directory + "/single.zarr"))
        let status = try CLI.run(["status", directory + "/sharded.zarr", "--json"])
        #expect(status.status == 0)
        let report = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        #expect(report?["chunks"] as? Int == 24 && report?["done"] as? Int == 24 && report?["complete"] as? Bool == true)
        #expect((report?["shards"] as? [[String: Any]])?.map { $0["done"] as? Int } == [6, 6, 6, 6])
    }

    /// A task whose input chunk cannot be read fails with one line and exit 1,
    /// its record says why, and the other shards finish.
    @Test func aFailingShardIsReportedAndTheOthersFinish() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let model = try volumes.net([6, 16, 16], in: directory, name: "tile")
        // A 1×32×32×32 Zarr input, chunks of 4 in D; the last one (D 28…31) corrupt.
        let input = directory + "/raw.zarr"
        let writer = try ZarrVolumeWriter(path: input, shape: [1, 32, 32, 32], chunkShape: [4, 32, 32], dataType: .float32,
                                          identity: "input", overwrite: false)
        var random = SeededRandom(seed: 3)
        for d in 0..<8 { try writer.write([d, 0, 0], values: random.floats(4 * 32 * 32)) }
        try Data("not a blosc chunk".utf8).write(to: URL(fileURLWithPath: input + "/0.7.0.0"))
        let output = directory + "/out.zarr"
        var results: [CLI.Result] = []
        for shard in 0..<4 {
            results.append(try CLI.run(["predict", model, input, "-o", output, "--channel-axis", "first", "--chunk", "4,32,32",
                                        "--shard", "\(shard)/4"]))
        }
        #expect(results[0..<3].allSatisfy { $0.status == 0 }, "\(results.map(\.stderr))")
        #expect(results[3].status == 1)
        // Progress lines, then the error: one line.
        let error = results[3].stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(error.hasPrefix("Error: ") && error.contains(input + "/0.7.0.0: is not a valid Blosc buffer"), "\(error)")
        let status = try CLI.run(["status", output])
        #expect(status.stdout.contains("out.zarr: 6 of 8 chunks done (75.0%), 4 shards"), "\(status.stdout)")
        #expect(status.stdout.contains("shard 3/4: 0 of 2 chunks; failed "), "\(status.stdout)")
        #expect(status.stdout.contains(input + "/0.7.0.0"), "\(status.stdout)")
        #expect(status.stdout.contains("shard 0/4: 2 of 2 chunks; complete"), "\(status.stdout)")
    }

    /// Two processes given the same shard at once (a mistake, or a requeue racing
    /// the old task) leave the same bytes as one run.
    @Test func twoProcessesOnOneShardLeaveTheSameBytes() throws {
        let (directory, model, raw) = try setUp()
        let single = try CLI.run(["predict", model, raw, "-o", directory + "/single.zarr"] + chunkOptions)
        #expect(single.status == 0, "\(single.stderr)")
        for shard in ["0/2", "1/2"] {
            let processes = try (0..<2).map { _ in
                try CLI.start(["predict", model, raw, "-o", directory + "/twice.zarr", "--shard", shard] + chunkOptions)
            }
            for process in processes {
                process.waitUntilExit()
                #expect(process.terminationStatus == 0)
            }
        }
        #expect(try volumes.files(directory + "/twice.zarr") == volumes.files(directory + "/single.zarr"))
    }

    /// The manifest `submit k8s` writes: an Indexed Job whose pods run shard
    /// JOB_COMPLETION_INDEX of N, with the limits asked for.
    @Test func kubernetesManifestIsAnIndexedJob() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let submit = try CLI.run(["submit", "k8s", "models/tile.pzir", "raw/volume.zarr", "-o", "out/affinity.zarr",
                                  "--tasks", "6", "--parallelism", "3", "--image", "registry.example/pzconv:1",
                                  "--pvc", "em-data", "--cpus", "4", "--memory", "6G", "--time", "2:00:00",
                                  "--", "--blend", "gaussian"], in: directory)
        #expect(submit.status == 0, "\(submit.stderr)")
        let text = try String(contentsOfFile: directory + "/affinity.k8s.yaml", encoding: .utf8)
        let expected = """
        apiVersion: "batch/v1"
        kind: "Job"
        metadata:
          name: "pzconv-predict"
          labels:
            app.kubernetes.io/name: "pzconv"
        spec:
          completionMode: "Indexed"
          completions: 6
          parallelism: 3
          backoffLimitPerIndex: 3
          template:
            metadata:
              labels:
                app.kubernetes.io/name: "pzconv"
            spec:
              restartPolicy: "Never"
              activeDeadlineSeconds: 7200
              containers:
              - name: "pzconv"
                image: "registry.example/pzconv:1"
                command:
                - "pzconv"
                - "predict"
                - "models/tile.pzir"
                - "raw/volume.zarr"
                - "-o"
                - "out/affinity.zarr"
                - "--shard"
                - "auto/6"
                - "--threads"
                - "4"
                - "--max-memory"
                - "6144M"
                - "--blend"
                - "gaussian"
                workingDir: "/data"
                resources:
                  requests:
                    cpu: "4"
                    memory: "6144Mi"
                  limits:
                    cpu: "4"
                    memory: "6144Mi"
                volumeMounts:
                - name: "data"
                  mountPath: "/data"
              volumes:
              - name: "data"
                persistentVolumeClaim:
                  claimName: "em-data"

        """
        #expect(text.hasSuffix(expected), "\(text)")
        #expect(text.hasPrefix("# pzconv predict as a Kubernetes Indexed Job"))
    }

    /// Bad submit options and unset variables are one line, exit 1 or 64.
    @Test func badSubmissionsAndMissingVariablesAreOneLine() throws {
        let (directory, model, raw) = try setUp()
        let cases: [([String], String)] = [
            (["submit", "slurm", model, raw, "-o", "out.npy", "--tasks", "2"], "name a .zarr directory"),
            (["submit", "slurm", model, raw, "-o", "out.zarr", "--tasks", "0"], "--tasks must be 1 to 1000000"),
            (["submit", "slurm", model, raw, "-o", "out.zarr", "--tasks", "2", "--time", "soon"], "--time takes"),
            (["submit", "slurm", model, raw, "-o", "out.zarr", "--tasks", "2", "--", "--shard", "1/2"],
             "--shard after --: each task's command sets"),
            (["submit", "slurm", model, raw, "-o", "out.zarr", "--tasks", "2", "--", "--blend", "sharp"],
             "the tasks' predict options: --blend takes"),
            (["submit", "k8s", model, raw, "-o", "out.zarr", "--tasks", "2", "--image", "i", "--pvc", "p", "--name", "Big"],
             "--name must be"),
            (["predict", model, raw, "-o", "out.zarr", "--shard", "auto"], "neither SLURM_ARRAY_TASK_ID"),
            (["predict", model, raw, "-o", "out.zarr", "--shard", "1/2", "--overwrite"], "--overwrite with --shard"),
            (["status", raw], "is not a Zarr array"),
        ]
        for (arguments, message) in cases {
            let result = try CLI.run(arguments, in: directory)
            #expect(result.status != 0, "\(arguments)")
            let error = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(error.contains(message), "\(arguments): \(error)")
            #expect(arguments.first == "submit" || !error.contains("\n"), "\(arguments): \(error)")
        }
    }
}
