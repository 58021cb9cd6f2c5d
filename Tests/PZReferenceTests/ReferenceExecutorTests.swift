import PZGraph
import PZReference
import PZTestSupport
import Testing

@Suite struct ReferenceExecutorTests {
    private func chain() -> Graph {
        var builder = GraphBuilder()
        let x = builder.input("data", shape: [1, 2, 3, 4, 4])
        let conv = builder.convolution("conv", x, inputChannels: 2,
                                       ConvolutionParameters(outputChannels: 3, kernel: [1, 3, 3], padBegin: [0, 1, 1], padEnd: [0, 1, 1]))
        let relu = builder.add("relu", .activation(.relu(negativeSlope: 0)), inputs: [conv])
        builder.output(relu)
        return builder.graph
    }

    @Test func rejectsAMissingInput() throws {
        let error = #expect(throws: ReferenceError.self) { try ReferenceExecutor(graph: chain()).run(inputs: [:]) }
        #expect(error?.description == "no value given for input 'data'")
    }

    @Test func rejectsAnInputOfTheWrongShape() throws {
        let error = #expect(throws: ReferenceError.self) {
            try ReferenceExecutor(graph: chain()).run(inputs: ["data": Tensor(zeros: [1, 2, 3, 4, 5])])
        }
        #expect(error?.description == "input 'data' has shape 1×2×3×4×5, the model expects 1×2×3×4×4")
    }

    @Test func returnsOutputsOrEveryTensor() throws {
        var random = SeededRandom(seed: 3)
        let input = Tensor(shape: [1, 2, 3, 4, 4], values: random.floats(96))
        let executor = try ReferenceExecutor(graph: chain())
        let outputs = try executor.run(inputs: ["data": input])
        #expect(Set(outputs.keys) == ["relu"])
        let all = try executor.run(inputs: ["data": input], keepingAllTensors: true)
        #expect(Set(all.keys) == ["data", "conv", "relu"])
        #expect(all["relu"] == outputs["relu"])
        #expect(all["relu"]!.values.allSatisfy { $0 >= 0 })
        #expect(all["conv"]!.values.contains { $0 < 0 })
    }
}
