import PZGraph
import PZPack

/// The epilogue of a convolution tile (the PZnet sub-image primitive's final
/// store): bias, additive base (times base_scale), activation, then the store
/// into the output, whose zero border (output padding) the tile never touches.
struct EpilogueStore: @unchecked Sendable {
    /// The output tensor (physical: including its border) and the border's start.
    let output: UnsafeMutablePointer<Float>
    let outputShape: BlockedShape
    let border: [Int]
    /// Per output channel, padded to blocks × S.
    let vectors: EpilogueVectors
    /// The base tensor (result shape, no border) and its shape.
    let base: UnsafePointer<Float>?
    let baseShape: BlockedShape?
    let activation: Activation?

    /// Prepares the output of a (de)convolution with `parameters`' epilogue:
    /// zeroes its border (unless already done) and returns the store and the
    /// result extent (D, H, W: the output without its border).
    static func prepare(output: UnsafeMutablePointer<Float>, outputShape: BlockedShape, parameters p: ConvolutionParameters,
                        vectors: EpilogueVectors, base: UnsafePointer<Float>?, threads: Int,
                        zeroingBorder: Bool = true) -> (store: EpilogueStore, result: [Int]) {
        let border = (p.epilogue.outputPadBegin, p.epilogue.outputPadEnd)
        let result = (0..<3).map { outputShape.shape[2 + $0] - border.0[$0] - border.1[$0] }
        if zeroingBorder { zeroBorder(output, shape: outputShape, begin: border.0, end: border.1, threads: threads) }
        let baseShape = base == nil ? nil : BlockedShape([outputShape.n, outputShape.channels] + result, lanes: outputShape.lanes)
        let store = EpilogueStore(output: output, outputShape: outputShape, border: border.0, vectors: vectors,
                                  base: base, baseShape: baseShape, activation: p.epilogue.activation)
        return (store, result)
    }

    /// Stores a tile of `width` positions × `blocks` output blocks at result
    /// position (n, d, h, w0 + j·step), output blocks firstBlock…; the tile holds
    /// position j's block ob at `tile[(j · blocks + ob) · S]`.
    @inline(__always)
    func store<V: KernelVector>(_ tile: UnsafePointer<Float>, as _: V.Type, width: Int, blocks: Int, firstBlock: Int,
                                n: Int, d: Int, h: Int, w0: Int, step: Int) {
        let lanes = V.scalarCount
        for ob in 0..<blocks {
            let block = firstBlock + ob
            let biasVector = vectors.bias.map { UnsafeRawPointer($0 + block * lanes).load(as: V.self) } ?? V()
            let scaleVector = vectors.baseScale.map { UnsafeRawPointer($0 + block * lanes).load(as: V.self) } ?? V(repeating: 1)
            let slopeVector = vectors.slopes.map { UnsafeRawPointer($0 + block * lanes).load(as: V.self) } ?? V()
            for j in 0..<width {
                let w = w0 + j * step
                var value = UnsafeRawPointer(tile + (j * blocks + ob) * lanes).load(as: V.self) + biasVector
                if let base, let baseShape {
                    let baseValue = UnsafeRawPointer(base + baseShape.offset(n, block, d, h, w)).load(as: V.self)
                    value = value.addingProduct(scaleVector, baseValue)
                }
                value = activate(value, activation, slopes: slopeVector)
                let target = output + outputShape.offset(n, block, d + border[0], h + border[1], w + border[2])
                UnsafeMutableRawPointer(target).storeBytes(of: value, as: V.self)
            }
        }
    }
}

/// `activation(value)` lane-wise; `slopes` holds the lanes' PReLU slopes.
@inline(__always)
func activate<V: KernelVector>(_ value: V, _ activation: Activation?, slopes: V) -> V {
    switch activation {
    case nil: return value
    case .relu(let slope)?: return vectorReLU(value, slope: slope)
    case .prelu?: return V.positivePart(value).addingProduct(V.negativePart(value), slopes)
    case .elu(let alpha)?: return vectorELU(value, alpha: alpha)
    case .sigmoid?: return vectorSigmoid(value)
    case .tanh?: return vectorTanh(value)
    }
}

/// Writes zeros over the border of a tensor written with output padding
/// (`begin`/`end` positions per spatial axis), leaving the interior alone.
func zeroBorder(_ tensor: UnsafeMutablePointer<Float>, shape: BlockedShape, begin: [Int], end: [Int], threads: Int) {
    guard (begin + end).contains(where: { $0 > 0 }) else { return }
    let planes = shape.n * shape.blocks * shape.d
    let shared = Shared(tensor)
    parallelRanges(planes, threads: threads) { range in
        for plane in range {
            let d = plane % shape.d
            let base = shared.pointer + plane * shape.planeStride
            if d < begin[0] || d >= shape.d - end[0] {
                base.update(repeating: 0, count: shape.planeStride)
                continue
            }
            for h in 0..<shape.h {
                let row = base + h * shape.rowStride
                if h < begin[1] || h >= shape.h - end[1] {
                    row.update(repeating: 0, count: shape.rowStride)
                } else {
                    row.update(repeating: 0, count: begin[2] * shape.lanes)
                    (row + (shape.w - end[2]) * shape.lanes).update(repeating: 0, count: end[2] * shape.lanes)
                }
            }
        }
    }
}

/// A kernel that computes output rows (n, d, h) of a (de)convolution's result
/// (or of the positions it computes, see `ConvolutionSpec.extent`) and stores
/// them through the epilogue.
protocol EpilogueRowKernel: Sendable {
    /// Rows of the positions computed: n × extent D × extent H.
    var rowCount: Int { get }
    /// Computes rows `range` and stores them.
    func rows<V: KernelVector>(_ range: Range<Int>, input: UnsafePointer<Float>, store: EpilogueStore, as vector: V.Type)
}

extension EpilogueRowKernel {
    /// Runs the rows of `kernels` (one after another, as one range split among
    /// threads), all storing through one epilogue: a convolution is one such
    /// kernel, a transposed convolution one per output phase.
    static func runAll(_ kernels: [Self], parameters: ConvolutionParameters, vectors: EpilogueVectors, output outputShape: BlockedShape,
                       inputs: [UnsafePointer<Float>], outputs: [UnsafeMutablePointer<Float>], threads: Int) {
        let (store, _) = EpilogueStore.prepare(output: outputs[0], outputShape: outputShape, parameters: parameters,
                                               vectors: vectors, base: inputs.count > 1 ? inputs[1] : nil, threads: threads)
        let input = Shared(UnsafeMutablePointer(mutating: inputs[0]))
        let starts = kernels.reduce(into: [0]) { $0.append($0.last! + $1.rowCount) }
        parallelRanges(starts.last!, threads: threads) { range in
            for (index, kernel) in kernels.enumerated() {
                let lower = max(range.lowerBound, starts[index]), upper = min(range.upperBound, starts[index + 1])
                guard lower < upper else { continue }
                let rows = (lower - starts[index])..<(upper - starts[index])
                if outputShape.lanes == 16 {
                    kernel.rows(rows, input: input.pointer, store: store, as: SIMD16<Float>.self)
                } else {
                    kernel.rows(rows, input: input.pointer, store: store, as: SIMD8<Float>.self)
                }
            }
        }
    }
}
