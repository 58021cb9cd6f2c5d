import Foundation
import PZGraph
import PZReference
import PZPack
import PZRuntime
import PZTestSupport
import Testing

/// The `.pz` loader: a round trip, and every kind of damage rejected with an error
/// that names the file and the problem (never a crash, never a wrong answer).
@Suite struct PackedModelFileTests {
    /// A small net with a padded, fused convolution, pooling and a deconvolution.
    static func sampleGraph() -> Graph {
        var b = GraphBuilder(seed: 21)
        let x = b.input("x", shape: [1, 3, 2, 8, 8])
        let conv = b.convolution("conv", x, inputChannels: 3, ConvolutionParameters(
            outputChannels: 20, kernel: [1, 3, 3], padBegin: [0, 1, 1], padEnd: [0, 1, 1],
            epilogue: ConvolutionEpilogue(activation: .elu(alpha: 1))))
        let pool = b.add("pool", .pooling(PoolingParameters(method: .max, kernel: [1, 2, 2], stride: [1, 2, 2], rounding: .floor,
                                                            averageCountsPadding: false)), inputs: [conv])
        let up = b.add("up", .deconvolution(ConvolutionParameters(outputChannels: 4, kernel: [1, 2, 2], stride: [1, 2, 2])),
                       inputs: [pool], weights: [.weight: b.randomTensor([20, 4, 1, 2, 2])])
        b.output(up)
        return b.graph
    }

    func write(_ graph: Graph, plan: ExecutionPlan? = nil, lanes: Int = 16) throws -> (path: String, bytes: [UInt8]) {
        let plan = try plan ?? Exporter.plan(graph, isa: .detected, lanes: lanes)
        let bytes = try Exporter.encode(graph, plan: plan, sourceModelSHA256: String(repeating: "ab", count: 32))
        let path = try TestPaths.makeTemporaryDirectory("pz-file") + "/model.pz"
        try AtomicFile.write(bytes, to: path)
        return (path, bytes)
    }

    func loadError(_ bytes: [UInt8]) throws -> String {
        let path = try TestPaths.makeTemporaryDirectory("pz-file") + "/damaged.pz"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            _ = try PackedModel.load(path: path)
            Issue.record("a damaged file loaded")
            return ""
        } catch let error as PackedModelError {
            #expect(error.path == path)
            return error.message
        }
    }

    @Test func roundTrip() throws {
        let graph = Self.sampleGraph()
        let (path, _) = try write(graph)
        let model = try PackedModel.load(path: path)
        #expect(model.sourceModelSHA256 == String(repeating: "ab", count: 32))
        #expect(model.plan == (try Exporter.plan(graph, isa: .detected, lanes: 16)))
        #expect(model.graph.nodes.map(\.name) == graph.nodes.map(\.name))
        #expect(model.graph.nodes.map(\.op) == graph.nodes.map(\.op))
        #expect(model.shapes["up"] == [1, 4, 2, 8, 8])
    }

    @Test func truncatedFilesAreRejected() throws {
        let (_, bytes) = try write(Self.sampleGraph())
        for length in [0, 10, 63, 64, 200, bytes.count / 2, bytes.count - 1] {
            let message = try loadError(Array(bytes.prefix(length)))
            #expect(!message.isEmpty, "length \(length)")
        }
    }

    @Test func flippedBitsAreRejected() throws {
        let (_, bytes) = try write(Self.sampleGraph())
        // In the header, in the first weight blob, and in the JSON.
        for offset in [9, 70, bytes.count - 20] {
            var damaged = bytes
            damaged[offset] ^= 0x10
            let message = try loadError(damaged)
            #expect(message.lowercased().contains("checksum") || message.contains("CRC"), "offset \(offset): \(message)")
        }
    }

    @Test func otherFilesAreRejected() throws {
        let graph = Self.sampleGraph()
        let pzir = try PZIRFile.encode(graph)
        #expect(try loadError(pzir).contains(".pz"))
        #expect(try !loadError(Array("name: \"not a model\"\n".utf8)).isEmpty)
    }

    @Test func inconsistentPlansAreRejected() throws {
        let graph = Self.sampleGraph()
        let good = try Exporter.plan(graph, isa: .detected, lanes: 16)

        var small = good
        small.buffers[good.placements["conv"]!] = 10
        #expect(try loadError(try write(graph, plan: small).bytes).contains("too small for tensor 'conv'"))

        var huge = good
        huge.buffers[0] = 1 << 50
        #expect(try loadError(try write(graph, plan: huge).bytes).contains("is larger than any tensor placed in it"))

        var shared = good
        shared.placements["pool"] = good.placements["conv"]
        #expect(try loadError(try write(graph, plan: shared).bytes).contains("still needed"))

        var wrongKernel = good
        wrongKernel.steps[1].kernel = .softmax
        #expect(try loadError(try write(graph, plan: wrongKernel).bytes).contains("cannot run node"))

        var lanes = good
        lanes.lanes = 4
        #expect(try loadError(try write(graph, plan: lanes).bytes).contains("SIMD width 4"))
    }

    /// A packed weight's IR shape stands as zeros in the loaded graph: their total
    /// is held to the memory limit before anything of that size exists.
    @Test func packedShapesAreHeldToTheMemoryLimit() throws {
        let (_, bytes) = try write(Self.sampleGraph())
        var edits = 0
        let damaged = JSONSurgery.rewrite(bytes) { json in
            let pattern = #""shape" : \[\s*20,\s*3,"#
            guard let range = json.range(of: pattern, options: .regularExpression) else { return json }
            edits += 1
            return json.replacingCharacters(in: range, with: "\"shape\" : [ 20000000, 3,")
        }
        #expect(edits == 1)
        let error = #expect(throws: PackedModelError.self) {
            try PackedModel.load(bytes: damaged, name: "damaged.pz", memoryLimit: MemoryLimit(bytes: 1 << 30))
        }
        #expect(error?.description == "damaged.pz: the IR shapes of its packed weights (up to weight 'weight' of node 'conv') "
                                      + "need 2.0 GiB, more than the memory limit of 1.0 GiB (raise it with --max-memory)")
    }

    /// `in_place` is honoured only where the kernel can run in place over its
    /// dying first input; anywhere else the plan is refused, not run wrongly. A
    /// step reading a buffer that holds another tensor is refused too.
    @Test func inPlaceOnlyWhereTheKernelCan() throws {
        var graph = Self.sampleGraph()
        let poolIndex = graph.nodes.firstIndex { $0.name == "pool" }!
        graph.nodes[poolIndex].inPlace = true
        var plan = try Exporter.plan(graph, isa: .detected, lanes: 16)
        plan.placements["pool"] = plan.placements["conv"]
        plan.buffers[plan.placements["conv"]!] = max(plan.buffers[plan.placements["conv"]!], plan.buffers[plan.placements["up"]!])
        #expect(try loadError(try write(graph, plan: plan).bytes).contains("would overwrite 'conv'"))

        var misread = try Exporter.plan(Self.sampleGraph(), isa: .detected, lanes: 16)
        misread.placements["conv"] = misread.placements["x"]
        #expect(try !loadError(try write(Self.sampleGraph(), plan: misread).bytes).isEmpty)
    }

    /// Weights packed for one plan do not load under a plan with other chunks.
    @Test func packedSizesMustMatchThePlan() throws {
        let graph = Self.sampleGraph()
        var plan = try Exporter.plan(graph, isa: .detected, lanes: 16)
        let bytes = try Exporter.encode(graph, plan: plan, sourceModelSHA256: "")
        plan.steps[0].chunks = [WeightPacking.Chunk(firstBlock: 0, blocks: 1)]
        let regenerated = try Exporter.encode(graph, plan: plan, sourceModelSHA256: "")
        #expect(bytes != regenerated)
        #expect(try loadError(regenerated).contains("conv"))
    }

    /// A model planned for one instruction set loads on the other: the weights
    /// are unpacked, the graph planned again for the CPU that runs, and the
    /// outputs match the reference as if it had been exported there.
    @Test func modelsPlannedForAnotherInstructionSetAreReplanned() throws {
        guard InstructionSet.detected == .avx512 else { return }
        var b = GraphBuilder(seed: 4)
        let x = b.input("x", shape: [1, 12, 3, 6, 7])
        let conv = b.convolution("conv", x, inputChannels: 12, ConvolutionParameters(
            outputChannels: 20, kernel: [3, 3, 3], padBegin: [1, 1, 1], padEnd: [1, 1, 1],
            epilogue: ConvolutionEpilogue(activation: .relu(negativeSlope: 0))))
        let direct = b.convolution("direct", conv, inputChannels: 20, ConvolutionParameters(outputChannels: 9, kernel: [1, 1, 1]))
        let up = b.add("up", .deconvolution(ConvolutionParameters(outputChannels: 5, kernel: [4, 4, 4], stride: [2, 2, 2],
                                                                   padBegin: [1, 1, 1], padEnd: [1, 1, 1])),
                       inputs: [direct], weights: [.weight: b.randomTensor([9, 5, 4, 4, 4]), .bias: b.randomTensor([5])])
        b.output(up)
        let graph = b.graph
        let inputs = PackedRun.randomInputs(for: graph)
        let expected = try ReferenceExecutor(graph: graph).run(inputs: inputs)["up"]!
        for (exported, loaded) in [(InstructionSet.avx512, InstructionSet.avx2), (.avx2, .avx512)] {
            for lanes in [8, 16] {
                let plan = try Exporter.plan(graph, isa: exported, lanes: lanes)
                let bytes = try Exporter.encode(graph, plan: plan, sourceModelSHA256: "")
                let model = try PackedModel.load(bytes: bytes, instructionSet: loaded)
                #expect(model.replannedFrom == exported)
                #expect(model.plan.isa == loaded)
                #expect(model.plan.lanes == KernelTuning.of(loaded).lanes(for: graph))
                #expect(model.plan.steps.map(\.kernel) == [.winograd, .convolution, .winograd])
                let actual = try FastExecutor(model: model, threads: 2).run(inputs: inputs)["up"]!
                #expect(matchesGolden(actual.values, expected.values, tolerance: 1e-5), "\(exported) S = \(lanes) → \(loaded)")
            }
        }
        // --no-winograd survives the re-plan.
        let direct8 = try Exporter.plan(graph, isa: .avx512, lanes: 16, winograd: false)
        let model = try PackedModel.load(bytes: try Exporter.encode(graph, plan: direct8, sourceModelSHA256: ""), instructionSet: .avx2)
        #expect(model.plan.steps[0].kernel == .convolution)
    }
}
