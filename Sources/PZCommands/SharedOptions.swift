import ArgumentParser
import Foundation
import PZGraph
import PZPack
import PZPasses

/// How the fast executor runs: threads and instruction set (`run`, `bench`).
struct ExecutorOptions: ParsableArguments {
    @Option(help: "Worker threads for a .pz model (default: all cores).")
    var threads: Int?

    @Option(help: "Kernels to run: avx2 or avx512 (default: the best this CPU has; also PZCONV_ISA). A .pz planned for another instruction set is re-planned at load.")
    var isa: String?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    var threadCount: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    /// The instruction set to run with.
    func instructionSet() throws -> InstructionSet {
        try isa.map { try InstructionSet.named($0, source: "--isa") } ?? InstructionSet.current()
    }
}

/// The memory limit for everything a model file decides the size of: weights
/// read from HDF5, reference and fast executor activations (`import`,
/// `optimize`, `verify`, `export`, `run`, `bench`).
struct MemoryOptions: ParsableArguments {
    /// `--memory-limit` is another name for the same option.
    @Option(name: [.customLong("max-memory"), .customLong("memory-limit")],
            help: "Refuse a model that needs more memory than this for weights read, activations or (predict) the chunks being blended: bytes, or 512M, 16G (default: the machine's physical memory).")
    var maxMemory: String?

    func validate() throws {
        if let maxMemory {
            do { _ = try MemoryLimit(parsing: maxMemory) } catch { throw ValidationError("--max-memory: \(error)") }
        }
    }

    var limit: MemoryLimit { maxMemory.flatMap { try? MemoryLimit(parsing: $0) } ?? .machine }

    /// The limit as command-line arguments, in bytes (for a worker process).
    var arguments: [String] { Self.arguments(limit) }

    /// `limit` as the option a worker process parses, in bytes.
    static func arguments(_ limit: MemoryLimit) -> [String] { ["--max-memory", String(limit.bytes)] }
}

/// The verified pass pipeline's settings (`optimize`, `verify`).
struct PipelineOptions: ParsableArguments {
    @Option(help: "Comma-separated passes to run (default: all, in the paper's order).")
    var passes: String?

    @Option(help: "Largest accepted error, relative to max(1, |reference|max).")
    var tolerance: Double = 1e-4

    @Flag(help: "Print each rewrite and each declined candidate.")
    var verbose = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    /// The pipeline of the selected passes.
    func pipeline(memoryLimit: MemoryLimit) throws -> PassPipeline {
        let selected = try passes.map { try PassPipeline.passes(named: $0.split(separator: ",").map(String.init)) }
            ?? PassPipeline.standardPasses
        var pipeline = PassPipeline(passes: selected, tolerance: tolerance)
        pipeline.memoryLimit = memoryLimit
        return pipeline
    }
}
