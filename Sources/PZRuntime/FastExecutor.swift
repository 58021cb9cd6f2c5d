import Dispatch
import PZGraph
import PZReference

/// Runs a packed model: converts inputs to the blocked layout, runs the planned
/// steps on reused buffers, converts outputs back. One executor per thread of
/// use; the model itself is shared and immutable.
public final class FastExecutor {
    public let model: PackedModel
    /// Worker threads per kernel.
    public var threads: Int
    private let buffers: [AlignedBuffer]

    public init(model: PackedModel, threads: Int) {
        self.model = model
        self.threads = max(1, threads)
        buffers = model.plan.buffers.map { AlignedBuffer(floats: $0) }
    }

    /// The time of each step of the last `run(…, timing: true)`, in seconds, in plan order.
    public private(set) var stepSeconds: [Double] = []

    /// Step names, in plan order (for per-layer reports).
    public var stepNames: [String] { model.steps.map(\.node) }
    public var stepFlops: [Int] { model.steps.map(\.flops) }

    /// Runs the model on NCDHW `inputs` keyed by input tensor name; returns the
    /// NCDHW outputs keyed by output tensor name.
    public func run(inputs: [String: Tensor], timing: Bool = false) throws -> [String: Tensor] {
        let lanes = model.plan.lanes
        for node in model.graph.inputNodes {
            guard case .input(let parameters) = node.op else { continue }
            let name = node.outputs[0]
            guard let tensor = inputs[name] else { throw ReferenceError("no value given for input '\(name)'") }
            guard tensor.shape == parameters.shape else {
                throw ReferenceError("input '\(name)' has shape \(tensor.shape.shapeDescription), "
                                     + "the model expects \(parameters.shape.shapeDescription)")
            }
            BlockedLayout.pack(tensor.values, into: pointer(name), BlockedShape(tensor.shape, lanes: lanes))
        }
        stepSeconds = timing ? Array(repeating: 0, count: model.steps.count) : []
        for (index, step) in model.steps.enumerated() {
            let start = timing ? DispatchTime.now().uptimeNanoseconds : 0
            execute(step)
            if timing { stepSeconds[index] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        }
        var outputs: [String: Tensor] = [:]
        for output in model.graph.outputNames {
            let shape = model.shapes[output]!
            outputs[output] = Tensor(shape: shape, values: BlockedLayout.unpack(pointer(output), BlockedShape(shape, lanes: lanes)))
        }
        return outputs
    }

    private func pointer(_ tensor: String) -> UnsafeMutablePointer<Float> { buffers[model.plan.placements[tensor]!].pointer }

    private func execute(_ step: RuntimeStep) {
        let inputs = step.inputs.map { UnsafePointer(buffers[$0].pointer) }
        let output = buffers[step.outputs[0]].pointer
        let inputShape = step.inputShapes.first
        let outputShape = step.outputShapes[0]
        switch step.kernel {
        case .convolution(let kernel):
            kernel.run(input: inputs[0], base: inputs.count > 1 ? inputs[1] : nil, output: output, threads: threads)
        case .winograd(let kernel):
            kernel.run(input: inputs[0], base: inputs.count > 1 ? inputs[1] : nil, output: output, threads: threads)
        case .deconvolution(let kernel):
            kernel.run(input: inputs[0], base: inputs.count > 1 ? inputs[1] : nil, output: output, threads: threads)
        case .pooling(let kernel):
            kernel.run(input: inputs[0], output: output, threads: threads)
        case .channelwise(let kernel):
            kernel.run(input: inputs[0], output: output, threads: threads)
        case .eltwise(let kernel):
            kernel.run(inputs: inputs, output: output, threads: threads)
        case .concat(let axis):
            DataMovement.concat(Array(zip(inputs, step.inputShapes)), axis: axis, output: output, outputShape, threads: threads)
        case .crop(let offsets):
            DataMovement.crop(inputs[0], inputShape!, offsets: offsets, output: output, outputShape, threads: threads)
        case .pad(let parameters):
            DataMovement.pad(inputs[0], inputShape!, parameters: parameters, output: output, outputShape, threads: threads)
        case .upsample(let factors):
            DataMovement.upsample(inputs[0], inputShape!, factors: factors, output: output, outputShape, threads: threads)
        case .softmax(let kernel):
            kernel.run(input: inputs[0], output: output, threads: threads)
        case .mergeCrop(let operation):
            DataMovement.mergeCrop(inputs[0], step.inputShapes[0], inputs[1], step.inputShapes[1], operation: operation,
                                   output: output, outputShape, threads: threads)
        case .copy:
            for target in step.outputs where buffers[target].pointer != UnsafeMutablePointer(mutating: inputs[0]) {
                buffers[target].pointer.update(from: inputs[0], count: inputShape!.floatCount)
            }
        case .reference(let node):
            let tensors = zip(inputs, step.inputShapes).map { pointer, shape in
                Tensor(shape: shape.shape, values: BlockedLayout.unpack(pointer, shape))
            }
            let results = ReferenceExecutor.evaluate(node, tensors, outputShapes: step.outputShapes.map(\.shape))
            for (index, result) in results.enumerated() {
                BlockedLayout.pack(result.values, into: buffers[step.outputs[index]].pointer, step.outputShapes[index])
            }
        }
    }
}
