import Dispatch
import PZGraph
import PZPack
import PZReference

/// Runs a packed model: converts inputs to the blocked layout, runs the planned
/// steps on reused buffers, converts outputs back. One executor per thread of
/// use; the model itself is shared and immutable.
public final class FastExecutor {
    public let model: PackedModel
    /// Worker threads per kernel.
    public var threads: Int
    private let buffers: [AlignedBuffer]
    /// The arrays the last run returned its outputs in: reused when the caller
    /// has let go of them (copy on write otherwise), so repeated runs neither
    /// allocate nor page in fresh output memory.
    private var outputStorage: [String: [Float]] = [:]

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
    public var stepKernels: [KernelKind] { model.steps.map(\.kind) }

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
            tensor.values.withUnsafeBufferPointer {
                model.library.toBlocked($0.baseAddress!, pointer(name), shape: BlockedShape(tensor.shape, lanes: lanes),
                                        threads: threads)
            }
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
            var values = outputStorage.removeValue(forKey: output) ?? [Float](repeating: 0, count: shape.elementCount)
            values.withUnsafeMutableBufferPointer {
                model.library.fromBlocked(pointer(output), $0.baseAddress!, shape: BlockedShape(shape, lanes: lanes), threads: threads)
            }
            outputStorage[output] = values
            outputs[output] = Tensor(shape: shape, values: values)
        }
        return outputs
    }

    private func pointer(_ tensor: String) -> UnsafeMutablePointer<Float> { buffers[model.plan.placements[tensor]!].pointer }

    private func execute(_ step: RuntimeStep) {
        let inputs = step.inputs.map { UnsafePointer(buffers[$0].pointer) }
        let outputs = step.outputs.map { buffers[$0].pointer }
        switch step.work {
        case .kernel(let kernel):
            kernel.run(inputs: inputs, outputs: outputs, threads: threads)
        case .reference(let node):
            let tensors = zip(inputs, step.inputShapes).map { pointer, shape in
                var values = [Float](repeating: 0, count: shape.shape.elementCount)
                values.withUnsafeMutableBufferPointer { model.library.fromBlocked(pointer, $0.baseAddress!, shape: shape, threads: threads) }
                return Tensor(shape: shape.shape, values: values)
            }
            let results = ReferenceExecutor.evaluate(node, tensors, outputShapes: step.outputShapes.map(\.shape))
            for (index, result) in results.enumerated() {
                result.values.withUnsafeBufferPointer {
                    model.library.toBlocked($0.baseAddress!, outputs[index], shape: step.outputShapes[index], threads: threads)
                }
            }
        }
    }
}
