import PZGraph
import PZPack
import PZRuntime
import PZTestSupport
import Testing

/// The exporter's plan: kernel choice per node, convolution chunks, and buffer
/// reuse (peak activation memory stays near the two largest live tensors).
@Suite struct PlanTests {
    @Test func chunksCoverTheBlocksEvenlyWithinGroups() {
        func sizes(_ blocks: Int, _ perGroup: Int) -> [Int] {
            WeightPacking.chunks(outputBlocks: blocks, blocksPerGroup: perGroup).map(\.blocks)
        }
        #expect(sizes(1, 1) == [1])
        #expect(sizes(4, 4) == [4])
        #expect(sizes(5, 5) == [3, 2])
        #expect(sizes(10, 10) == [4, 3, 3])
        #expect(sizes(6, 3) == [3, 3])
        let chunks = WeightPacking.chunks(outputBlocks: 10, blocksPerGroup: 10)
        #expect(chunks.map(\.firstBlock) == [0, 4, 7])
    }

    /// A chain of equal convolutions needs two buffers, not one per tensor.
    @Test func aChainReusesTwoBuffers() throws {
        var b = GraphBuilder()
        var x = b.input("x", shape: [1, 16, 2, 8, 8])
        for index in 0..<6 {
            x = b.convolution("conv\(index)", x, inputChannels: 16, ConvolutionParameters(
                outputChannels: 16, kernel: [1, 3, 3], padBegin: [0, 1, 1], padEnd: [0, 1, 1]))
        }
        b.output(x)
        let plan = try Exporter.plan(b.graph, isa: .detected, lanes: 16)
        #expect(plan.buffers.count == 2)
        #expect(plan.activationBytes == 2 * 16 * 2 * 8 * 8 * 4)
        #expect(plan.steps.allSatisfy { $0.kernel == .winograd })
        #expect(try Exporter.plan(b.graph, isa: .detected, lanes: 16, winograd: false).steps.allSatisfy { $0.kernel == .convolution })
    }

    /// Winograd takes Kd×r×r convolutions (r = 2…5) with unit stride in H and W
    /// and enough input channels; the rest (7×7 among them) stay direct.
    @Test func winogradChoices() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 1, 4, 16, 16])
        let first = b.convolution("first", x, inputChannels: 1, ConvolutionParameters(outputChannels: 12, kernel: [3, 3, 3]))
        let deep = b.convolution("deep", first, inputChannels: 12, ConvolutionParameters(outputChannels: 12, kernel: [1, 3, 3]))
        let strided = b.convolution("strided", deep, inputChannels: 12, ConvolutionParameters(outputChannels: 12, kernel: [1, 3, 3],
                                                                                                stride: [1, 2, 2]))
        let depthStrided = b.convolution("depth", strided, inputChannels: 12, ConvolutionParameters(
            outputChannels: 12, kernel: [2, 3, 3], stride: [2, 1, 1], padBegin: [0, 1, 1], padEnd: [0, 1, 1]))
        let wide = b.convolution("wide", depthStrided, inputChannels: 12, ConvolutionParameters(outputChannels: 12, kernel: [1, 5, 5],
                                                                                                   padBegin: [0, 2, 2], padEnd: [0, 2, 2]))
        let wider = b.convolution("wider", wide, inputChannels: 12, ConvolutionParameters(outputChannels: 12, kernel: [1, 7, 7],
                                                                                              padBegin: [0, 3, 3], padEnd: [0, 3, 3]))
        b.output(wider)
        let kinds = Dictionary(uniqueKeysWithValues: try Exporter.plan(b.graph, isa: .detected, lanes: 8).steps.map { ($0.node, $0.kernel) })
        #expect(kinds == ["first": .convolution, "deep": .winograd, "strided": .convolution, "depth": .winograd,
                          "wide": .winograd, "wider": .convolution])
    }

    /// A residual block: the skip tensor stays alive across the branch, in-place
    /// nodes share their input's buffer.
    @Test func residualBlockKeepsTheSkipAlive() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 8, 2, 6, 6])
        let first = b.convolution("first", x, inputChannels: 8, ConvolutionParameters(outputChannels: 8, kernel: [1, 1, 1]))
        let second = b.convolution("second", first, inputChannels: 8, ConvolutionParameters(outputChannels: 8, kernel: [1, 1, 1]))
        let sum = b.add("sum", .eltwise(EltwiseParameters(operation: .sum)), inputs: [first, second])
        let relu = b.add("relu", .activation(.relu(negativeSlope: 0)), inputs: [sum])
        b.nodes[b.nodes.count - 1].inPlace = true
        b.output(relu)
        let plan = try Exporter.plan(b.graph, isa: .detected, lanes: 8)
        #expect(plan.placements["first"] != plan.placements["second"])
        #expect(plan.placements["relu"] == plan.placements["sum"])
        #expect(plan.buffers.count == 3)
    }

    /// The executor writes every input before the first step, so an Input node
    /// listed after other nodes must not take a buffer freed by them.
    @Test func inputsListedLateGetTheirOwnBuffers() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 8, 2, 4, 4])
        let first = b.add("first", .activation(.relu(negativeSlope: 0)), inputs: [x])
        let second = b.add("second", .activation(.tanh), inputs: [first])
        let late = b.input("late", shape: [1, 8, 2, 4, 4])
        b.output(b.add("sum", .eltwise(EltwiseParameters(operation: .sum)), inputs: [second, late]))
        let plan = try Exporter.plan(b.graph, isa: .detected, lanes: 8)
        #expect(plan.placements["late"] != plan.placements["x"])
        #expect(plan.placements["late"] != plan.placements["first"])
    }

    @Test func kernelChoices() throws {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 6, 2, 6, 6])
        let grouped = b.convolution("grouped", x, inputChannels: 6, ConvolutionParameters(outputChannels: 6, kernel: [1, 1, 1],
                                                                                            groups: 3))
        let up = b.add("up", .deconvolution(ConvolutionParameters(outputChannels: 4, kernel: [1, 2, 2], stride: [1, 2, 2])),
                       inputs: [grouped], weights: [.weight: b.randomTensor([6, 4, 1, 2, 2])])
        let overlapping = b.add("overlap", .deconvolution(ConvolutionParameters(outputChannels: 4, kernel: [1, 3, 3],
                                                                                  stride: [1, 2, 2])),
                                inputs: [up], weights: [.weight: b.randomTensor([4, 4, 1, 3, 3])])
        let stride1 = b.add("stride1", .deconvolution(ConvolutionParameters(outputChannels: 8, kernel: [1, 3, 3],
                                                                            stride: [1, 1, 1], padBegin: [0, 1, 1], padEnd: [0, 1, 1])),
                            inputs: [overlapping], weights: [.weight: b.randomTensor([4, 8, 1, 3, 3])])
        let depthwise = b.convolution("depthwise", stride1, inputChannels: 8,
                                      ConvolutionParameters(outputChannels: 8, kernel: [1, 3, 3], groups: 8))
        let softmax = b.add("softmax", .softmax(SoftmaxParameters(axis: 2)), inputs: [depthwise])
        b.output(softmax)
        let plan = try Exporter.plan(b.graph, isa: .detected, lanes: 16)
        let kinds = Dictionary(uniqueKeysWithValues: plan.steps.map { ($0.node, $0.kernel) })
        #expect(kinds == ["grouped": .convolution, "up": .deconvolution, "overlap": .deconvolution, "stride1": .deconvolution,
                          "depthwise": .depthwise, "softmax": .softmax])
        // The reference kernel runs a node only by request.
        #expect(try Exporter.plan(b.graph, isa: .detected, lanes: 16, referenceNodes: ["up"]).steps[1].kernel == .reference)
    }

    /// With half tiles, S = 16 pads a 36-channel layer no more than S = 8 does,
    /// so the measured advantage of 16-lane tiles decides.
    @Test func laneChoicePrefersSixteenForUNetChannels() {
        var b = GraphBuilder()
        let x = b.input("x", shape: [1, 28, 2, 8, 8])
        let y = b.convolution("up", x, inputChannels: 28, ConvolutionParameters(outputChannels: 36, kernel: [1, 3, 3]))
        b.output(b.convolution("down", y, inputChannels: 36, ConvolutionParameters(outputChannels: 28, kernel: [1, 3, 3])))
        #expect(KernelTuning.of(.avx512).lanes(for: b.graph) == 16)
        #expect(KernelTuning.of(.avx2).lanes(for: b.graph) == 8)
    }
}
