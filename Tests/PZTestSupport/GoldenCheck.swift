import PZGraph
import PZPatchIO
import PZReference
import Testing

/// Runs `graph` with the reference executor on a golden directory's inputs and
/// expects every golden output within `tolerance × max(1, |golden|max)`.
public func expectMatchesGolden(_ graph: Graph, goldenDirectory: String, tolerance: Double = 1e-5,
                         sourceLocation: SourceLocation = #_sourceLocation) throws {
    let golden = try GoldenSet(directory: goldenDirectory)
    let executor = try ReferenceExecutor(graph: graph)
    let results = try executor.run(inputs: try golden.inputTensors(for: graph))
    var compared = 0
    for output in graph.outputs {
        let actual = results[output.tensor]!
        guard let expected = try golden.expectedOutput(output, shape: actual.shape) else { continue }
        let error = ErrorFigures(actual: actual.values, reference: expected.values)
        #expect(error.isWithin(tolerance),
                "\(output.tensor): max abs error \(error.maxAbsoluteError), relative \(error.maxRelativeError)",
                sourceLocation: sourceLocation)
        compared += 1
    }
    let names = "golden outputs \(golden.outputs.keys.sorted()), graph outputs \(graph.outputNames)"
    #expect(compared == golden.outputs.count, "\(names)", sourceLocation: sourceLocation)
}
