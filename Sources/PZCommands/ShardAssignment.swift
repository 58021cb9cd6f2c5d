import PZVolume

/// `--shard`: which shard of the output's chunks this process computes, stated
/// (`I/N`) or taken from the batch system that started it (`auto`, `auto/N`).
///
/// - SLURM job array: the shard is `SLURM_ARRAY_TASK_ID`, the task's own id, so
///   resubmitting one task (`sbatch --array=2 job.sh`) recomputes shard 2. The
///   count is N from `auto/N`, else `SLURM_ARRAY_TASK_COUNT` (or
///   `SLURM_ARRAY_TASK_MAX` + 1) when the array is the whole 0…N−1 (`SLURM_ARRAY_TASK_MIN`
///   is 0); any other array (part of one resubmitted, a step, a gap) needs `auto/N`.
/// - Kubernetes Indexed Job: the shard is `JOB_COMPLETION_INDEX`; Kubernetes
///   gives pods no completion count, so it must be `auto/N`.
enum ShardAssignment {
    static func resolve(_ text: String, environment: [String: String]) throws -> Shard {
        guard text == "auto" || text.hasPrefix("auto/") else {
            do { return try Shard(parsing: text) } catch let error as VolumeError { throw CommandError(error.description) }
        }
        var statedCount: Int?
        if text != "auto" {
            guard let count = Int(text.dropFirst("auto/".count)), count > 0 else {
                throw CommandError("--shard takes I/N, auto or auto/N (N ≥ 1), got '\(text)'")
            }
            statedCount = count
        }
        func number(_ name: String) throws -> Int? {
            guard let value = environment[name] else { return nil }
            guard let number = Int(value), number >= 0 else {
                throw CommandError("--shard \(text): \(name) is '\(value)', not a task number")
            }
            return number
        }
        let index: Int
        let count: Int
        let source: String
        if let task = try number("SLURM_ARRAY_TASK_ID") {
            index = task
            source = "SLURM_ARRAY_TASK_ID"
            if let statedCount {
                count = statedCount
            } else {
                let minimum = try number("SLURM_ARRAY_TASK_MIN")
                let maximum = try number("SLURM_ARRAY_TASK_MAX")
                let arrayCount = try number("SLURM_ARRAY_TASK_COUNT")
                guard minimum == 0, let maximum, arrayCount == nil || arrayCount == maximum + 1 else {
                    let range = "\(minimum.map(String.init) ?? "?")-\(maximum.map(String.init) ?? "?")"
                    throw CommandError("--shard auto: this SLURM array is \(range) with \(arrayCount.map(String.init) ?? "?") "
                                       + "tasks, not the whole 0-(N-1) (a resubmitted part, a step or a gap?): pass --shard auto/N")
                }
                count = maximum + 1
            }
        } else if let completion = try number("JOB_COMPLETION_INDEX") {
            guard let statedCount else {
                throw CommandError("--shard auto: JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job), which gives no "
                                   + "completion count: pass --shard auto/N with N = the Job's completions")
            }
            index = completion
            count = statedCount
            source = "JOB_COMPLETION_INDEX"
        } else {
            throw CommandError("--shard \(text): neither SLURM_ARRAY_TASK_ID (a SLURM job array) nor JOB_COMPLETION_INDEX "
                               + "(a Kubernetes Indexed Job) is set; outside those, pass --shard I/N")
        }
        guard index < count else {
            throw CommandError("--shard \(text): \(source) is \(index), past the last of \(count) shards (0…\(count - 1))")
        }
        return Shard(index: index, count: count)
    }
}
