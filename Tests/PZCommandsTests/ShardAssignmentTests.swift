@testable import PZCommands
import PZVolume
import Testing

/// `--shard auto` and `auto/N` from the variables SLURM and Kubernetes set.
@Suite struct ShardAssignmentTests {
    static let taken: [(String, [String: String], Shard)] = [
        ("2/5", [:], Shard(index: 2, count: 5)),
        ("auto", ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "7",
                  "SLURM_ARRAY_TASK_COUNT": "8"], Shard(index: 3, count: 8)),
        // SLURM before 21.08 sets no _COUNT.
        ("auto", ["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "3"], Shard(index: 0, count: 4)),
        // One task resubmitted alone (sbatch --array=2): its id is still its shard.
        ("auto/4", ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "2", "SLURM_ARRAY_TASK_MAX": "2",
                    "SLURM_ARRAY_TASK_COUNT": "1"], Shard(index: 2, count: 4)),
        ("auto/6", ["JOB_COMPLETION_INDEX": "5"], Shard(index: 5, count: 6)),
        // SLURM wins when both are set (a SLURM job inside a pod).
        ("auto/6", ["JOB_COMPLETION_INDEX": "5", "SLURM_ARRAY_TASK_ID": "1"], Shard(index: 1, count: 6)),
    ]

    @Test(arguments: taken.indices)
    func takesTheShardFromTheBatchSystem(_ row: Int) throws {
        let (text, environment, expected) = Self.taken[row]
        #expect(try ShardAssignment.resolve(text, environment: environment) == expected)
    }

    static let refused: [(String, [String: String], String)] = [
        ("auto", [:], "neither SLURM_ARRAY_TASK_ID (a SLURM job array) nor JOB_COMPLETION_INDEX"),
        ("auto", ["JOB_COMPLETION_INDEX": "1"], "gives no completion count: pass --shard auto/N"),
        ("auto", ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "2", "SLURM_ARRAY_TASK_MAX": "2",
                  "SLURM_ARRAY_TASK_COUNT": "1"], "this SLURM array is 2-2 with 1 tasks"),
        // --array=0-6:2 has 4 tasks, ids 0…6.
        ("auto", ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "6",
                  "SLURM_ARRAY_TASK_COUNT": "4"], "a step or a gap"),
        ("auto/4", ["SLURM_ARRAY_TASK_ID": "4"], "SLURM_ARRAY_TASK_ID is 4, past the last of 4 shards (0…3)"),
        ("auto/4", ["SLURM_ARRAY_TASK_ID": "x"], "SLURM_ARRAY_TASK_ID is 'x', not a task number"),
        ("auto/0", ["SLURM_ARRAY_TASK_ID": "0"], "--shard takes I/N, auto or auto/N"),
        ("4/4", [:], "--shard takes I/N with 0 ≤ I < N"),
    ]

    @Test(arguments: refused.indices)
    func saysWhatIsMissing(_ row: Int) {
        let (text, environment, message) = Self.refused[row]
        #expect {
            try ShardAssignment.resolve(text, environment: environment)
        } throws: { error in
            "\(error)".contains(message)
        }
    }
}
