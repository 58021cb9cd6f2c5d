import PZGraph
import PZPack

/// This build of the kernels: the same source is compiled once per instruction
/// set (targets PZKernelsAVX2 and PZKernelsAVX512, the latter with
/// `PZCONV_AVX512` defined), and the runtime picks the build the CPU runs best.
public enum KernelBuild: KernelLibrary {
    #if PZCONV_AVX512
    public static let instructionSet = InstructionSet.avx512
    #else
    public static let instructionSet = InstructionSet.avx2
    #endif

    public static func make(_ spec: KernelSpec) -> any StepKernel {
        switch spec {
        case .convolution(let convolution):
            return ConvolutionKernel(spec: convolution)
        case .winograd(let convolution, let variant):
            return WinogradKernel(spec: convolution, variant: variant)
        case .transposedConvolution(let phases):
            return TransposedConvolutionKernel(
                direct: phases.filter { $0.winograd == nil }.map { ConvolutionKernel(spec: $0.convolution) },
                winograd: phases.compactMap { phase in phase.winograd.map { WinogradKernel(spec: phase.convolution, variant: $0) } })
        case .depthwise(let depthwise):
            return DepthwiseKernel(spec: depthwise)
        case .pooling(let parameters, let input, let output):
            return PoolingKernel(parameters: parameters, inputShape: input, outputShape: output)
        case .channelwise(let channelwise):
            return ChannelwiseKernel(spec: channelwise)
        case .groupNorm(let spec):
            return GroupNormKernel(spec: spec)
        case .eltwise(let parameters, let shape):
            return EltwiseKernel(parameters: parameters, shape: shape)
        case .channelScale(let shape):
            return ChannelScaleKernel(shape: shape)
        case .softmax(let axis, let shape):
            return SoftmaxKernel(axis: axis, shape: shape)
        case .concat(let axis, let shapes, let output):
            return DataMovementKernel { inputs, outputs, threads in
                DataMovement.concat(Array(zip(inputs, shapes)), axis: axis, output: outputs[0], output, threads: threads)
            }
        case .crop(let offsets, let input, let output):
            return DataMovementKernel { inputs, outputs, threads in
                DataMovement.crop(inputs[0], input, offsets: offsets, output: outputs[0], output, threads: threads)
            }
        case .pad(let parameters, let input, let output):
            return DataMovementKernel { inputs, outputs, threads in
                DataMovement.pad(inputs[0], input, parameters: parameters, output: outputs[0], output, threads: threads)
            }
        case .upsample(let factors, let input, let output):
            return DataMovementKernel { inputs, outputs, threads in
                DataMovement.upsample(inputs[0], input, factors: factors, output: outputs[0], output, threads: threads)
            }
        case .linearUpsample(let parameters, let input, let output):
            return LinearUpsampleKernel(parameters: parameters, inputShape: input, outputShape: output)
        case .mergeCrop(let operation, let first, let second, let output):
            return DataMovementKernel { inputs, outputs, threads in
                DataMovement.mergeCrop(inputs[0], first, inputs[1], second, operation: operation, output: outputs[0], output,
                                       threads: threads)
            }
        case .copy(let shape):
            return DataMovementKernel { inputs, outputs, threads in
                for output in outputs where UnsafePointer(output) != inputs[0] {
                    copyBox(from: inputs[0], shape, channels: 0..<shape.channels, at: [0, 0, 0], to: output, shape,
                            toChannel: 0, at: [0, 0, 0], extent: [shape.d, shape.h, shape.w], threads: threads)
                }
            }
        }
    }

    public static func toBlocked(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, shape: BlockedShape,
                                 threads: Int) {
        BlockedLayout.toBlocked(source, target, shape: shape, threads: threads)
    }

    public static func fromBlocked(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, shape: BlockedShape,
                                   threads: Int) {
        BlockedLayout.fromBlocked(source, target, shape: shape, threads: threads)
    }

    public static func peakFLOPs(threads: Int, lanes: Int, repeats: Int) -> Double {
        PeakThroughput.measure(threads: threads, lanes: lanes, repeats: repeats)
    }

    public static func tileFLOPs(lanes: Int, blocks: Int, width: Int, halfLast: Bool) -> Double? {
        TileTiming.measure(lanes: lanes, blocks: blocks, width: width, halfLast: halfLast)
    }

    public static func maximumTileWidth(lanes: Int, blocks: Int, halfLast: Bool) -> Int {
        ConvolutionTiles.maximumWidth(lanes: lanes, outputBlocks: blocks, halfLast: halfLast)
    }
}

/// A step that moves data (concat, crop, pad, up-sampling, MergeCrop, copies).
struct DataMovementKernel: StepKernel {
    let body: @Sendable ([UnsafePointer<Float>], [UnsafeMutablePointer<Float>], Int) -> Void

    func run(inputs: [UnsafePointer<Float>], outputs: [UnsafeMutablePointer<Float>], threads: Int) {
        body(inputs, outputs, threads)
    }
}
