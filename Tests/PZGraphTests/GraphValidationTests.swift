import PZGraph
import PZTestSupport
import Testing

@Suite struct GraphValidationTests {
    private func node(_ name: String, _ op: Op, _ inputs: [String], _ outputs: [String]? = nil) -> Node {
        Node(name: name, op: op, inputs: inputs, outputs: outputs ?? [name])
    }

    private let input = Op.input(InputParameters(shape: [1, 1, 1, 2, 2], sourceLayout: .ncdhw))

    private func graph(_ nodes: [Node], outputs: [String] = ["b"]) -> Graph {
        Graph(name: "g", nodes: nodes, outputs: outputs.map { GraphOutput(tensor: $0, sourceLayout: .ncdhw) })
    }

    @Test func everyOpGraphIsValid() throws {
        let shapes = try everyOpGraph().validate()
        #expect(shapes["product"] == [1, 12, 4, 6, 6])
        #expect(shapes["c2"] == [1, 4, 4, 8, 8])
    }

    @Test func rejectsDuplicateNodeNames() {
        let g = graph([node("a", input, []), node("a", .dropout, ["a"], ["b"])])
        #expect(throws: GraphError.invalidGraph("two nodes are named 'a'")) { try g.validate() }
    }

    @Test func rejectsATensorProducedTwice() {
        let g = graph([node("a", input, []), node("b", .dropout, ["a"]), node("c", .dropout, ["a"], ["b"])])
        #expect(throws: GraphError.invalidGraph("tensor 'b' is produced twice (again by node 'c' (Dropout))")) {
            try g.validate()
        }
    }

    @Test func rejectsATensorNobodyProduces() {
        let g = graph([node("a", input, []), node("b", .dropout, ["ghost"])])
        #expect(throws: GraphError.invalidGraph("tensor 'ghost' read by node 'b' (Dropout) is never produced")) {
            try g.validate()
        }
    }

    @Test func rejectsACycle() {
        let g = graph([node("a", input, []), node("b", .eltwise(EltwiseParameters(operation: .sum)), ["a", "c"]),
                       node("c", .dropout, ["b"])])
        #expect(throws: GraphError.invalidGraph("the graph has a cycle through node 'b' (Eltwise)")) { try g.validate() }
    }

    @Test func sortsAnUnorderedButAcyclicGraph() throws {
        let g = graph([node("b", .dropout, ["a"]), node("a", input, [])])
        #expect(throws: GraphError.self) { try g.validate() }
        let sorted = try g.topologicallySorted()
        #expect(sorted.nodes.map(\.name) == ["a", "b"])
        try sorted.validate()
    }

    @Test func rejectsWrongArityAndMissingWeights() {
        let twoInputDropout = graph([node("a", input, []), node("b", .dropout, ["a", "a"])])
        #expect(throws: GraphError.invalidNode(name: "b", op: "Dropout", detail: "takes 1 inputs, has 2")) {
            try twoInputDropout.validate()
        }
        let noKernel = graph([node("a", input, []),
                              node("b", .convolution(ConvolutionParameters(outputChannels: 1, kernel: [1, 1, 1])), ["a"])])
        #expect(throws: GraphError.invalidNode(name: "b", op: "Convolution", detail: "is missing its 'weight' weight")) {
            try noKernel.validate()
        }
    }

    @Test func rejectsAnOutputNobodyProduces() {
        let g = graph([node("a", input, [])], outputs: ["nowhere"])
        #expect(throws: GraphError.invalidGraph("graph output 'nowhere' is not produced by any node")) { try g.validate() }
    }

    @Test func rejectsNonFiniteWeights() {
        var n = node("b", .scale(ScaleParameters()), ["a"])
        n.weights[.scale] = Tensor(shape: [1], values: [.nan])
        let g = graph([node("a", input, []), n])
        #expect(throws: GraphError.invalidNode(name: "b", op: "Scale", detail: "weight 'scale' holds NaN or infinite values")) {
            try g.validate()
        }
    }
}
