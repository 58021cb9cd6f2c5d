import ArgumentParser
import Foundation
import PZVolume

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Progress of a predict output by shard (pzconv status out.zarr).",
        discussion: """
        Counts the chunk files of a Zarr output of `predict` (what a resumed run would skip) per \
        shard of the fixed partition --shard uses, and reads the record each shard's process left \
        in OUT.zarr/.pzconv-shards/: finished, failed (with its error), or running (started and not \
        ended: still running, or killed; on this host, a process that is gone is reported as such). \
        The shard count is the one the records name (--shards N to show another partition).

        Examples:
          pzconv status affinity.zarr
          pzconv status affinity.zarr --json
        """
    )

    @Argument(help: "A Zarr output of pzconv predict.")
    var output: String

    @Option(help: "Show the chunks as this many shards (default: the count the shards' records name; 1 without records).")
    var shards: Int?

    @Flag(help: "Print JSON: chunks, done, and per shard its chunks, done and last record.")
    var json = false

    func run() throws {
        guard FileManager.default.fileExists(atPath: output + "/.zarray") else {
            throw CommandError("\(output): is not a Zarr array (status reads the Zarr outputs that predict, and --shard, write)")
        }
        let progress: OutputProgress
        do {
            progress = try OutputProgress(path: output, shardCount: shards)
        } catch let error as VolumeError {
            throw CommandError(error.description.contains(output) ? error.description : "\(output): \(error)")
        }
        print(json ? Self.json(progress) : Self.text(progress))
    }

    static func text(_ progress: OutputProgress) -> String {
        let share = progress.chunks == 0 ? 100 : 100 * Double(progress.done) / Double(progress.chunks)
        var lines = ["\(progress.path): \(progress.done) of \(progress.chunks) chunks done (\(String(format: "%.1f", share))%), "
                     + "\(progress.shards.count) shard\(progress.shards.count == 1 ? "" : "s")"]
        for shard in progress.shards {
            lines.append("  shard \(shard.shard): \(shard.done) of \(shard.chunks) chunks; \(describe(shard))")
        }
        if progress.strayTemporaries > 0 {
            lines.append("  (\(progress.strayTemporaries) temporary chunk file(s) left by killed writers: harmless, never read)")
        }
        return lines.joined(separator: "\n")
    }

    /// How the shard's last run ended, in words.
    static func describe(_ shard: OutputProgress.ShardProgress) -> String {
        guard let record = shard.record else { return shard.isComplete ? "complete" : (shard.done == 0 ? "not started" : "no record") }
        let by = " on \(record.host)" + (record.task.map { " (\($0))" } ?? "")
        switch record.state {
        case .finished:
            return (shard.isComplete ? "complete, " : "incomplete (chunks removed since?), ") + "finished \(record.ended ?? "?")\(by)"
        case .failed:
            return "failed \(record.ended ?? "?")\(by): \(record.message ?? "no message")"
        case .running:
            if shard.isComplete { return "complete (its process did not record the end: killed after the last chunk?)" }
            if record.host == ProcessInfo.processInfo.hostName, kill(pid_t(record.pid), 0) != 0, errno == ESRCH {
                return "started \(record.started)\(by) as process \(record.pid), which is gone: killed; run the shard again"
            }
            return "running since \(record.started)\(by), process \(record.pid) (or killed without a trace: check the batch system)"
        }
    }

    static func json(_ progress: OutputProgress) -> String {
        let shards: [[String: Any]] = progress.shards.map { shard in
            var entry: [String: Any] = ["shard": shard.shard.index, "count": shard.shard.count, "chunks": shard.chunks,
                                        "done": shard.done, "complete": shard.isComplete, "state": describe(shard)]
            if let record = shard.record {
                var fields: [String: Any] = ["state": record.state.rawValue, "host": record.host, "pid": Int(record.pid),
                                             "started": record.started]
                if let task = record.task { fields["task"] = task }
                if let ended = record.ended { fields["ended"] = ended }
                if let message = record.message { fields["message"] = message }
                entry["record"] = fields
            }
            return entry
        }
        let object: [String: Any] = ["output": progress.path, "chunks": progress.chunks, "done": progress.done,
                                     "complete": progress.done == progress.chunks, "shards": shards,
                                     "stray_temporaries": progress.strayTemporaries]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
