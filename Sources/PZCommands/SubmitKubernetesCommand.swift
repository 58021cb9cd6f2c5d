import ArgumentParser
import Foundation
import PZGraph

struct SubmitKubernetesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "k8s",
        abstract: "Write a Kubernetes Indexed Job manifest: completion index I of N runs pzconv predict --shard I/N.",
        discussion: """
        The manifest is a plain YAML file to read and edit: a batch/v1 Job with completionMode \
        Indexed, completions = parallelism = N (--parallelism to run fewer at once), \
        backoffLimitPerIndex (a failed index is retried alone; the others go on), restartPolicy \
        Never, a per-pod deadline from --time, CPU and memory requests = limits, and the volume \
        (--pvc, a ReadWriteMany claim) mounted at --mount, the pods' working directory: paths \
        are as the pods see them, relative ones under --mount. The output needs a file system \
        with atomic rename (NFS, CephFS, EFS, Filestore); an object-store FUSE mount without it \
        (mountpoint-s3, gcsfuse) can hold the input, read-only, but not the output.

        Examples:
          pzconv submit k8s net.pz raw.zarr -o affinity.zarr --tasks 64 --image registry/pzconv:1 --pvc em-data
          pzconv submit k8s net.pz raw.zarr -o affinity.zarr --tasks 8 --image pzconv --pvc data --now
        """
    )

    @OptionGroup var options: SubmitOptions

    @Option(help: "The container image holding pzconv.")
    var image: String

    @Option(help: "The PersistentVolumeClaim holding the model, input and output.")
    var pvc: String

    @Option(help: "Where the pods mount it (their working directory).")
    var mount = "/data"

    @Option(help: "CPUs per pod (the tasks' --threads).")
    var cpus = 2

    @Option(help: "Pods running at once (default: --tasks).")
    var parallelism: Int?

    @Option(help: "Retries of one failed index before it counts as failed.")
    var backoffLimitPerIndex = 3

    @Option(help: "The Job's name (lowercase letters, digits and -).")
    var name = "pzconv-predict"

    @Option(help: "The Job's namespace (default: kubectl's).")
    var namespace: String?

    @Option(help: "Where to write the manifest (default: OUTPUT's name + .k8s.yaml, in the current directory).")
    var manifest: String?

    @Option(help: "The pzconv command inside the image.")
    var pzconv = "pzconv"

    func validate() throws {
        guard cpus >= 1 else { throw ValidationError("--cpus must be at least 1") }
        guard backoffLimitPerIndex >= 0 else { throw ValidationError("--backoff-limit-per-index must be at least 0") }
        if let parallelism, parallelism < 1 { throw ValidationError("--parallelism must be at least 1") }
        guard name.count <= 52, let first = name.first, first.isLetter,
              name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }), name.last != "-" else {
            throw ValidationError("--name must be 1 to 52 lowercase letters, digits and -, starting with a letter, got '\(name)'")
        }
        guard mount.hasPrefix("/") else { throw ValidationError("--mount must be an absolute path, got '\(mount)'") }
    }

    func run() throws {
        let outputName = URL(fileURLWithPath: options.output).deletingPathExtension().lastPathComponent
        let manifestPath = absolutePath(manifest ?? outputName + ".k8s.yaml")
        let predict = try options.predictArguments(threads: String(cpus), path: { $0 })
        let deadline = try TimeLimit(options.time).seconds
        let resources = YAMLValue.mapping([("cpu", .string(String(cpus))), ("memory", .string("\(options.memoryMiB)Mi"))])
        let container = YAMLValue.mapping([
            ("name", .string("pzconv")),
            ("image", .string(image)),
            ("command", .sequence(([pzconv, "predict"] + predict).map(YAMLValue.string))),
            ("workingDir", .string(mount)),
            ("resources", .mapping([("requests", resources), ("limits", resources)])),
            ("volumeMounts", .sequence([.mapping([("name", .string("data")), ("mountPath", .string(mount))])])),
        ])
        var metadata: [(String, YAMLValue)] = [("name", .string(name))]
        if let namespace { metadata.append(("namespace", .string(namespace))) }
        let job = YAMLValue.mapping([
            ("apiVersion", .string("batch/v1")),
            ("kind", .string("Job")),
            ("metadata", .mapping(metadata + [("labels", .mapping([("app.kubernetes.io/name", .string("pzconv"))]))])),
            ("spec", .mapping([
                ("completionMode", .string("Indexed")),
                ("completions", .integer(options.tasks)),
                ("parallelism", .integer(parallelism ?? options.tasks)),
                ("backoffLimitPerIndex", .integer(backoffLimitPerIndex)),
                ("template", .mapping([
                    ("metadata", .mapping([("labels", .mapping([("app.kubernetes.io/name", .string("pzconv"))]))])),
                    ("spec", .mapping([
                        ("restartPolicy", .string("Never")),
                        ("activeDeadlineSeconds", .integer(deadline)),
                        ("containers", .sequence([container])),
                        ("volumes", .sequence([.mapping([
                            ("name", .string("data")),
                            ("persistentVolumeClaim", .mapping([("claimName", .string(pvc))])),
                        ])])),
                    ])),
                ])),
            ])),
        ])
        let header = """
        # pzconv predict as a Kubernetes Indexed Job, written by `pzconv submit k8s`: the pod of completion
        # index I (JOB_COMPLETION_INDEX) computes shard I of \(options.tasks). Start: kubectl apply -f \(shellQuoted(manifestPath))
        # Progress: pzconv status \(options.output) (where the volume is mounted), kubectl get job \(name)

        """
        do {
            try AtomicFile.write(Array((header + job.text).utf8), to: manifestPath)
        } catch {
            throw CommandError("\(manifestPath): cannot write the manifest (\(error))")
        }
        print("wrote \(manifestPath): an Indexed Job of \(options.tasks) completions")
        guard options.now else {
            print("start it with: kubectl apply -f \(shellQuoted(manifestPath))")
            return
        }
        print(try ExternalTool.run("kubectl", ["apply", "-f", manifestPath], purpose: "create the Job"))
    }
}
