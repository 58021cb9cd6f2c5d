import Foundation
import PZGraph

/// What one `predict` process says about the shard it computes, kept in a Zarr
/// output beside its chunks: `OUT.zarr/.pzconv-shards/I-of-N.json` (zarr-python
/// ignores the folder). Written atomically when the process starts and when it
/// ends, so `pzconv status` can tell a shard that failed (and why) from one
/// still running or killed. Chunks done are counted from the chunk files, not
/// from records: a record only says who ran the shard last and how that ended.
public struct ShardRecord: Codable, Equatable, Sendable {
    public enum State: String, Codable, Sendable {
        /// Started and not ended: still running, or killed (SIGKILL, node failure).
        case running
        case finished
        case failed
    }

    public var shard: Int
    public var count: Int
    public var state: State
    /// The chunks of this shard (done or not).
    public var chunks: Int
    public var host: String
    public var pid: Int32
    /// The batch system's name for the task: SLURM `JOBID_TASKID`, a Kubernetes pod name.
    public var task: String?
    /// ISO 8601, UTC.
    public var started: String
    public var ended: String?
    /// The error, for a failed shard.
    public var message: String?

    public static let folder = ".pzconv-shards"

    /// A record for this process starting `shard` of an output with `chunks` of its chunks.
    public static func starting(_ shard: Shard, chunks: Int, environment: [String: String]) -> ShardRecord {
        var task: String?
        if let job = environment["SLURM_ARRAY_JOB_ID"], let index = environment["SLURM_ARRAY_TASK_ID"] {
            task = "SLURM job \(job)_\(index)"
        } else if environment["JOB_COMPLETION_INDEX"] != nil, let pod = environment["HOSTNAME"] {
            task = "pod \(pod)"
        }
        return ShardRecord(shard: shard.index, count: shard.count, state: .running, chunks: chunks,
                           host: ProcessInfo.processInfo.hostName, pid: getpid(), task: task,
                           started: timestamp(), ended: nil, message: nil)
    }

    /// This record, ended as `state` now.
    public func ended(_ state: State, message: String? = nil) -> ShardRecord {
        var record = self
        record.state = state
        record.ended = Self.timestamp()
        record.message = message
        return record
    }

    /// Writes the record into the Zarr output at `zarrPath` (atomically).
    public func write(into zarrPath: String) throws {
        let folder = zarrPath + "/" + Self.folder
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try AtomicFile.write(Array(try encoder.encode(self)) + [10], to: folder + "/\(shard)-of-\(count).json")
        } catch {
            throw VolumeError(folder, "cannot record shard \(shard)/\(count) (\(error))")
        }
    }

    /// The records kept in the Zarr output at `zarrPath`; an unreadable one is
    /// an error naming it.
    public static func all(in zarrPath: String) throws -> [ShardRecord] {
        let folder = zarrPath + "/" + Self.folder
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        return try names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted().map { name in
            let path = folder + "/" + name
            guard let bytes = try? readFileBytes(path), bytes.count <= 1 << 20,
                  let record = try? JSONDecoder().decode(ShardRecord.self, from: Data(bytes)),
                  record.count > 0, (0..<record.count).contains(record.shard) else {
                throw VolumeError(path, "is not a shard record pzconv wrote")
            }
            return record
        }
    }

    static func timestamp() -> String {
        ISO8601DateFormatter().string(from: Date())
    }
}
