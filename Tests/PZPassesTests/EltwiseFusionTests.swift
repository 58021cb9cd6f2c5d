import PZGraph
import PZPasses
import PZTestSupport
import Testing

@Suite struct EltwiseFusionTests {
    /// x → a (conv) ─┐
    ///   → b (conv) ─┴→ sum → relu
    private func residual(coefficients: [Float]? = nil, operation: EltwiseParameters.Operation = .sum) -> Graph {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 3, 2, 6, 6])
        let a = b.convolution("a", x, inputChannels: 3, same(4))
        let c = b.convolution("b", a, inputChannels: 4, same(4))
        let sum = b.add("sum", .eltwise(EltwiseParameters(operation: operation, coefficients: coefficients)), inputs: [a, c])
        b.output(b.add("relu", .activation(.relu(negativeSlope: 0)), inputs: [sum]))
        return b.graph
    }

    @Test func fusesTheSumIntoTheConvolutionWithOneReader() throws {
        let result = try applyAndCompare(EltwiseFusion(), to: residual())
        #expect(count(result.graph, "Eltwise") == 0)
        let fused = try #require(result.graph.nodes.first { $0.name == "b" })
        #expect(fused.inputs[1] == "a")
        #expect(fused.outputs == ["sum"])
        #expect(fused.sourceLayers == ["b", "sum"])
        #expect(fused.fusions == ["eltwise"])
        #expect(fused.weights[.baseScale] == nil)
        #expect(result.rewrites == ["fused 'sum' (Eltwise) into 'b' with base 'a'"])
    }

    /// 0.5·a − 1.5·b: the convolution b is scaled by −1.5, the base a by 0.5.
    @Test func handlesCoefficients() throws {
        let result = try applyAndCompare(EltwiseFusion(), to: residual(coefficients: [0.5, -1.5]))
        let fused = try #require(result.graph.nodes.first { $0.name == "b" })
        #expect(fused.weights[.baseScale]?.values == [0.5, 0.5, 0.5, 0.5])
        #expect(count(result.graph, "Eltwise") == 0)
    }

    /// Keras Subtract with the convolution second: a − b → b·(−1) + a.
    @Test func handlesSubtraction() throws {
        let result = try applyAndCompare(EltwiseFusion(), to: residual(operation: .subtract))
        #expect(count(result.graph, "Eltwise") == 0)
    }

    /// The paper's first condition: a convolution whose output has another reader
    /// cannot take the sum. Here b's output is also an output of the graph.
    @Test func declinesWhenTheConvolutionHasTwoReaders() throws {
        var graph = residual()
        graph.outputs.append(GraphOutput(tensor: "b", sourceLayout: .ncdhw))
        // a is read by b and by the sum, b is a graph output: neither may fuse.
        let result = try EltwiseFusion().apply(to: graph)
        #expect(!result.changed)
        #expect(result.declined.count == 1)
        #expect(result.declined[0].contains("the output of 'a' is also read by 'b'"))
        #expect(result.declined[0].contains("the output of 'b' is a graph output"))
    }

    @Test func declinesProductsAndWideSums() throws {
        #expect(try EltwiseFusion().apply(to: residual(operation: .product)).declined
                == ["'sum' (Eltwise): product is not an addition"])
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 2, 1, 4, 4])
        let c1 = b.convolution("c1", x, inputChannels: 2, same(2))
        let c2 = b.convolution("c2", x, inputChannels: 2, same(2))
        let c3 = b.convolution("c3", x, inputChannels: 2, same(2))
        b.output(b.add("sum", .eltwise(EltwiseParameters(operation: .sum)), inputs: [c1, c2, c3]))
        #expect(try EltwiseFusion().apply(to: b.graph).declined == ["'sum' (Eltwise): a sum of 3 inputs (fusion takes 2)"])
    }

    /// Two independent convolutions: the later one takes the earlier as base,
    /// and the nodes are re-sorted so the base is computed first.
    @Test func bothInputsConvolutions() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 2, 1, 5, 5])
        let c1 = b.convolution("c1", x, inputChannels: 2, same(3))
        let c2 = b.convolution("c2", x, inputChannels: 2, same(3))
        b.output(b.add("sum", .eltwise(EltwiseParameters(operation: .sum)), inputs: [c1, c2]))
        let result = try applyAndCompare(EltwiseFusion(), to: b.graph)
        #expect(result.graph.nodes.map(\.name) == ["x", "c1", "c2"])
        #expect(result.graph.nodes[2].inputs == ["x", "c1"])
    }
}
