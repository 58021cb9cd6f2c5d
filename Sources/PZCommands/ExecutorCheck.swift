import Foundation
import PZGraph
import PZPack
import PZPasses
import PZRuntime

/// The last link of verification: the optimized graph exported to a `.pz` at one
/// SIMD width and run by the fast executor on the golden inputs, its outputs
/// compared with the golden outputs (the source framework's), exactly as
/// `pzconv export` then `pzconv run` would produce them.
struct ExecutorCheck: Encodable {
    var lanes: Int
    var versusGolden: ErrorFigures
    var holds: Bool

    enum CodingKeys: String, CodingKey { case lanes, versusGolden = "versus_golden", holds }

    static let widths = [16, 8]

    static func run(_ graph: Graph, patch: VerificationPatch, lanes: Int, tolerance: Double,
                    memoryLimit: MemoryLimit) throws -> ExecutorCheck {
        let isa = try InstructionSet.current()
        let plan = try Exporter.plan(graph, isa: isa, lanes: lanes)
        let bytes = try Exporter.encode(graph, plan: plan, sourceModelSHA256: "")
        let executor = FastExecutor(model: try PackedModel.load(bytes: bytes, name: "the packed model", instructionSet: isa,
                                                                         memoryLimit: memoryLimit),
                                    threads: ProcessInfo.processInfo.activeProcessorCount)
        let outputs = try executor.run(inputs: patch.inputs)
        var figures = ErrorFigures.zero
        for (name, expected) in patch.expected {
            guard let actual = outputs[name], actual.shape == expected.shape else {
                throw CommandError("the packed model's output '\(name)' is missing or misshapen")
            }
            figures = figures.combined(with: ErrorFigures(actual: actual.values, reference: expected.values))
        }
        return ExecutorCheck(lanes: lanes, versusGolden: figures, holds: figures.isWithin(tolerance))
    }
}
