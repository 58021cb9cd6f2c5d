import Foundation
import PZGraph
import PZPatchIO
import PZTestSupport
import Testing

/// `pzconv submit slurm --now` on a real SLURM: the one-node cluster that
/// Scripts/test.sh starts with Scripts/slurm.sh (munged, slurmctld and slurmd
/// from Debian, SLURM_CONF in the environment). A 4-task array, one task
/// cancelled with scancel while it runs and resubmitted alone, gives the bytes
/// of one `pzconv predict`.
@Suite(.enabled(if: TestSlurm.isUp,
                "needs the one-node SLURM that Scripts/test.sh starts (Scripts/slurm.sh start DIR); test.sh prints why it did not start"),
       .serialized)
struct SlurmArrayTests {
    let volumes = PredictCommandTests()

    func slurm(_ tool: String, _ arguments: [String]) throws -> String {
        let result = try CLI.tool(tool, arguments)
        guard result.status == 0 else { throw TestFailure("\(tool) \(arguments.joined(separator: " ")): \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The states squeue gives the job's tasks (an empty list once all ended).
    func taskStates(_ job: String) throws -> [String: String] {
        let lines = try slurm("squeue", ["-h", "-r", "-j", job, "-o", "%i %T"]).split(separator: "\n")
        return Dictionary(lines.compactMap { line in
            let parts = line.split(separator: " ")
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        }, uniquingKeysWith: { $1 })
    }

    /// Waits up to `seconds` for `condition`, polling every 0.2 s.
    func wait(_ seconds: Double, for what: String, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw TestFailure("waited \(seconds) s for \(what)")
    }

    func shardDone(_ output: String, _ shard: Int) throws -> Int? {
        let status = try CLI.run(["status", output, "--json", "--shards", "4"])
        let report = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        return (report?["shards"] as? [[String: Any]])?[shard]["done"] as? Int
    }

    @Test func cancelledTaskResubmittedGivesTheBytesOfOneRun() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        // The reference executor (a .pzir) on one thread: slow enough that a task is
        // still running when scancel comes.
        let model = try volumes.net([6, 16, 16], in: directory, name: "tile")
        var random = SeededRandom(seed: 5)
        let raw = directory + "/raw.npy"
        try NPYFile.write(shape: [48, 64, 64], values: random.floats(48 * 64 * 64), to: raw)
        // 48 chunks, 12 (three rows along D, written row by row) per shard.
        let options = ["--chunk", "4,32,32", "--blend", "gaussian"]
        let single = try CLI.run(["predict", model, raw, "-o", directory + "/single.zarr", "--threads", "1"] + options)
        #expect(single.status == 0, "\(single.stderr)")

        let output = directory + "/sharded.zarr"
        let submit = try CLI.run(["submit", "slurm", model, raw, "-o", output, "--tasks", "4", "--cpus-per-task", "1",
                                  "--memory", "1G", "--time", "10", "--now", "--"] + options, in: directory)
        #expect(submit.status == 0, "\(submit.stderr)")
        guard let job = submit.stdout.split(separator: " ").drop(while: { $0 != "job" }).dropFirst().first.map(String.init) else {
            throw TestFailure("no job id in: \(submit.stdout)")
        }
        // Task 2 runs once tasks 0 and 1 have left the two CPUs: cancel it after its first chunk.
        try wait(240, for: "task \(job)_2 to run and write a chunk") {
            try taskStates(job)["\(job)_2"] == "RUNNING" && (try shardDone(output, 2) ?? 0) >= 1
        }
        _ = try slurm("scancel", ["\(job)_2"])
        try wait(300, for: "job \(job) to end") { try taskStates(job).isEmpty }
        let cut = try shardDone(output, 2) ?? 0
        #expect(cut >= 1 && cut < 12, "shard 2 was not cut short by scancel (\(cut) of 12 chunks)")
        let status = try CLI.run(["status", output])
        #expect(status.stdout.contains("shard 2/4: \(cut) of 12 chunks; started"), "\(status.stdout)")
        #expect(status.stdout.contains("shard 0/4: 12 of 12 chunks; complete, finished"), "\(status.stdout)")

        // Resubmit the cancelled task alone, as a user would.
        let again = try slurm("sbatch", ["--parsable", "--array=2", directory + "/sharded.slurm.sh"])
        let secondJob = String(again.split(separator: ";").first ?? "")
        try wait(300, for: "job \(secondJob) to end") { try taskStates(secondJob).isEmpty }
        #expect(try shardDone(output, 2) == 12)
        #expect(try volumes.files(output) == volumes.files(directory + "/single.zarr"))
        let logs = try FileManager.default.contentsOfDirectory(atPath: directory + "/sharded.logs")
        #expect(logs.contains("pzconv-predict-\(job)_1.log") && logs.contains("pzconv-predict-\(secondJob)_2.log"), "\(logs)")
    }
}

/// Whether Scripts/test.sh started the one-node SLURM and it answers.
enum TestSlurm {
    static var isUp: Bool {
        let environment = ProcessInfo.processInfo.environment
        guard environment["PZCONV_TEST_SLURM"] == "1", environment["SLURM_CONF"] != nil else { return false }
        return (try? CLI.tool("sinfo", ["-h"]).status) == 0
    }
}
