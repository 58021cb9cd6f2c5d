import PZGraph
import PZPasses
import PZTestSupport
import Testing

@Suite struct HousekeepingPassTests {
    @Test func identityRemovalKeepsOutputNames() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 2, 1, 3, 3])
        let conv = b.convolution("conv", x, inputChannels: 2, same(2))
        b.nodes.append(Node(name: "split", op: .split, inputs: [conv], outputs: ["s1", "s2"]))
        let drop = b.add("drop", .dropout, inputs: ["s1"])
        let sum = b.add("sum", .eltwise(EltwiseParameters(operation: .sum)), inputs: [drop, "s2"])
        b.output(b.add("last", .dropout, inputs: [sum]))
        let result = try applyAndCompare(IdentityRemoval(), to: b.graph)
        #expect(result.graph.nodes.map(\.name) == ["x", "conv", "sum"])
        #expect(result.graph.nodes[2].inputs == ["conv", "conv"])
        #expect(result.graph.nodes[2].outputs == ["last"])
        #expect(result.graph.outputNames == ["last"])
    }

    @Test func identityRemovalDeclinesCopyingAnInputToAnOutput() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 1, 1, 2, 2])
        b.output(b.add("copy", .dropout, inputs: [x]))
        let result = try IdentityRemoval().apply(to: b.graph)
        #expect(!result.changed)
        #expect(result.declined == ["'copy' (Dropout): it copies graph input 'x' to graph output 'copy'"])
    }

    @Test func deadCodeEliminationRemovesUnusedBranches() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 2, 1, 3, 3])
        let used = b.convolution("used", x, inputChannels: 2, same(2))
        let unused = b.convolution("unused", x, inputChannels: 2, same(2))
        _ = b.add("unused_relu", .activation(.relu(negativeSlope: 0)), inputs: [unused])
        b.output(used)
        let result = try applyAndCompare(DeadCodeElimination(), to: b.graph)
        #expect(result.graph.nodes.map(\.name) == ["x", "used"])
        #expect(result.rewrites.count == 2)
    }

    @Test func inPlaceResolutionMarksSafeNodesOnly() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 2, 1, 3, 3])
        let onInput = b.add("on_input", .activation(.tanh), inputs: [x])
        let conv = b.convolution("conv", onInput, inputChannels: 2, same(2))
        let relu = b.add("relu", .activation(.relu(negativeSlope: 0)), inputs: [conv])
        b.output(b.add("sum", .eltwise(EltwiseParameters(operation: .sum)), inputs: [relu, onInput]))
        let result = try applyAndCompare(InPlaceResolution(), to: b.graph)
        let marked = result.graph.nodes.filter(\.inPlace).map(\.name)
        #expect(marked == ["relu", "sum"])
        #expect(result.declined == ["'on_input' (TanH): its input 'x' is a graph input"])
    }
}
