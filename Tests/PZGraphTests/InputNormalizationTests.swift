import PZGraph
import PZTestSupport
import Testing

@Suite struct InputNormalizationTests {
    @Test(arguments: [
        ("scale:1/255", InputNormalization.scale(1 / 255)),
        ("scale:0.5", .scale(0.5)),
        ("meanstd:128,32.5", .meanStd(mean: 128, std: 32.5)),
        ("zscore", .zscore),
        ("percentile:0.5,99.5", .percentile(low: 0.5, high: 99.5)),
    ])
    func parses(text: String, expected: InputNormalization) throws {
        #expect(try InputNormalization(parsing: text) == expected)
        #expect(try InputNormalization(parsing: expected.description) == expected)
    }

    @Test(arguments: ["scale", "scale:0", "scale:1/0", "meanstd:1", "meanstd:1,0", "meanstd:1,-2", "zscore:1",
                      "percentile:50,50", "percentile:-1,99", "percentile:1,101", "minmax", ""])
    func refuses(text: String) {
        #expect(throws: InputNormalizationError.self) { try InputNormalization(parsing: text) }
    }

    /// Kept in the `.pzir`; a file without it reads as none.
    @Test func survivesThePZIRFile() throws {
        var b = GraphBuilder(name: "n", seed: 1)
        let x = b.input("x", shape: [1, 1, 4, 4, 4])
        b.output(b.add("relu", .activation(.relu(negativeSlope: 0)), inputs: [x]))
        var graph = b.graph
        guard case .input(var parameters) = graph.nodes[0].op else { Issue.record("no input"); return }
        #expect(parameters.normalization == nil)
        parameters.normalization = .percentile(low: 0.5, high: 99.5)
        graph.nodes[0].op = .input(parameters)
        let decoded = try PZIRFile.decode(PZIRFile.encode(graph), path: "n.pzir")
        #expect(decoded == graph)
    }
}
