import PZGraph

/// Packs IR weights into the layouts the kernels read (PZnet §2.2, refined with
/// output-block chunks so one tile's weight vectors are adjacent):
///
/// - convolution kernels, per chunk of OCB output blocks:
///   [input block][kd][kh][kw][input lane][OCB][output lane] (zero-filled past the
///   channel counts); a deconvolution's phases are packed the same way, each as
///   the convolution with its sub-kernel (see `ConvolutionPacking`);
/// - Winograd F(2×2, 3×3) and F(3×3, 2×2) kernels (see WinogradKernel), made
///   at load from the chunks above: [ξ (16)][input block][kd][input lane][OCB][output lane] of U = G g Gᵀ;
/// - depthwise kernels: [block][tap][lane];
/// - per-channel vectors (bias, base scale, multipliers, PReLU slopes): padded to blocks × S.
public enum WeightPacking {
    /// How a convolution's output blocks are grouped into chunks of 1 to 4.
    public struct Chunk: Codable, Hashable, Sendable {
        public var firstBlock: Int
        public var blocks: Int

        enum CodingKeys: String, CodingKey { case firstBlock = "first_block", blocks }

        public init(firstBlock: Int, blocks: Int) {
            self.firstBlock = firstBlock
            self.blocks = blocks
        }
    }

    /// The most output blocks a chunk (one register tile) may have.
    public static let maximumChunkBlocks = 4

    /// Chunks of at most `maximumBlocks` output blocks, as even as possible, never
    /// straddling a group (`blocksPerGroup` output blocks each).
    public static func chunks(outputBlocks: Int, blocksPerGroup: Int, maximumBlocks: Int = maximumChunkBlocks) -> [Chunk] {
        var chunks: [Chunk] = []
        for groupStart in stride(from: 0, to: outputBlocks, by: blocksPerGroup) {
            let count = min(blocksPerGroup, outputBlocks - groupStart)
            let pieces = (count + maximumBlocks - 1) / maximumBlocks
            var first = groupStart
            for piece in 0..<pieces {
                let size = count / pieces + (piece < count % pieces ? 1 : 0)
                chunks.append(Chunk(firstBlock: first, blocks: size))
                first += size
            }
        }
        return chunks
    }

    /// The packed kernel of one chunk. `weight` is a convolution kernel
    /// F × C/g × k…; `inputBlocks` is the number of input blocks the chunk reads
    /// (those of its group, `group`, when groups are whole blocks).
    public static func packKernel(_ weight: Tensor, chunk: Chunk, lanes s: Int, inputBlocks: Int, groupOfChunk group: Int = 0,
                                  outputsPerGroup: Int) -> [Float] {
        var packed = [Float](repeating: 0, count: inputBlocks * weight.shape[2...].reduce(1, *) * s * chunk.blocks * s)
        forEachPackedValue(of: weight, chunk: chunk, lanes: s, inputBlocks: inputBlocks, group: group,
                           outputsPerGroup: outputsPerGroup) { target, source in packed[target] = weight.values[source] }
        return packed
    }

    /// Writes one chunk packed by `packKernel` back into `weight`.
    public static func unpackKernel(_ packed: UnsafePointer<Float>, into weight: inout Tensor, chunk: Chunk, lanes s: Int,
                                    inputBlocks: Int, groupOfChunk group: Int = 0, outputsPerGroup: Int) {
        var values = weight.values
        forEachPackedValue(of: weight, chunk: chunk, lanes: s, inputBlocks: inputBlocks, group: group,
                           outputsPerGroup: outputsPerGroup) { target, source in values[source] = packed[target] }
        weight.values = values
    }

    /// Calls `body(packed index, IR index)` for every real weight of one chunk.
    private static func forEachPackedValue(of weight: Tensor, chunk: Chunk, lanes s: Int, inputBlocks: Int, group: Int,
                                           outputsPerGroup: Int, _ body: (Int, Int) -> Void) {
        let taps = weight.shape[2...].reduce(1, *)
        let (outputs, inputsPerGroup) = (weight.shape[0], weight.shape[1])
        let firstOutput = chunk.firstBlock * s
        for block in 0..<inputBlocks {
            for tap in 0..<taps {
                for inputLane in 0..<s {
                    let input = block * s + inputLane
                    guard input < inputsPerGroup else { continue }
                    for ob in 0..<chunk.blocks {
                        for outputLane in 0..<s {
                            let output = firstOutput + ob * s + outputLane
                            guard output < outputs, output / outputsPerGroup == group else { continue }
                            body((((block * taps + tap) * s + inputLane) * chunk.blocks + ob) * s + outputLane,
                                 (output * inputsPerGroup + input) * taps + tap)
                        }
                    }
                }
            }
        }
    }

    /// A grouped kernel F × C/g × k… as the one-group kernel F × C × k… with zeros
    /// between groups (block-diagonal).
    public static func blockDiagonal(_ weight: Tensor, groups: Int) -> Tensor {
        let (outputs, inputsPerGroup) = (weight.shape[0], weight.shape[1])
        let taps = weight.shape[2...].reduce(1, *)
        let outputsPerGroup = outputs / groups
        var values = [Float](repeating: 0, count: outputs * inputsPerGroup * groups * taps)
        for f in 0..<outputs {
            let firstInput = (f / outputsPerGroup) * inputsPerGroup
            for c in 0..<inputsPerGroup {
                for tap in 0..<taps {
                    values[(f * inputsPerGroup * groups + firstInput + c) * taps + tap] = weight.values[(f * inputsPerGroup + c) * taps + tap]
                }
            }
        }
        return Tensor(shape: [outputs, inputsPerGroup * groups] + weight.shape[2...], values: values)
    }

    /// The grouped kernel back from its block-diagonal form.
    public static func groupsOfBlockDiagonal(_ dense: Tensor, groups: Int) -> Tensor {
        let (outputs, inputs) = (dense.shape[0], dense.shape[1])
        let taps = dense.shape[2...].reduce(1, *)
        let (outputsPerGroup, inputsPerGroup) = (outputs / groups, inputs / groups)
        var values = [Float](repeating: 0, count: outputs * inputsPerGroup * taps)
        for f in 0..<outputs {
            let firstInput = (f / outputsPerGroup) * inputsPerGroup
            for c in 0..<inputsPerGroup {
                for tap in 0..<taps {
                    values[(f * inputsPerGroup + c) * taps + tap] = dense.values[(f * inputs + firstInput + c) * taps + tap]
                }
            }
        }
        return Tensor(shape: [outputs, inputsPerGroup] + dense.shape[2...], values: values)
    }

    /// A depthwise kernel C × 1 × k… as [block][tap][lane].
    public static func packDepthwise(_ weight: Tensor, lanes s: Int) -> [Float] {
        let channels = weight.shape[0]
        let taps = weight.shape[2...].reduce(1, *)
        let blocks = (channels + s - 1) / s
        var packed = [Float](repeating: 0, count: blocks * taps * s)
        for c in 0..<channels {
            for tap in 0..<taps { packed[((c / s) * taps + tap) * s + c % s] = weight.values[c * taps + tap] }
        }
        return packed
    }

    /// The depthwise kernel of `shape` (C × 1 × k…) back from `packDepthwise`'s layout.
    public static func unpackDepthwise(_ packed: UnsafeBufferPointer<Float>, shape: [Int], lanes s: Int) -> Tensor {
        let taps = shape[2...].reduce(1, *)
        var values = [Float](repeating: 0, count: shape.elementCount)
        for c in 0..<shape[0] {
            for tap in 0..<taps { values[c * taps + tap] = packed[((c / s) * taps + tap) * s + c % s] }
        }
        return Tensor(shape: shape, values: values)
    }

    /// The Winograd kernel of one chunk from its direct packing (`packKernel` of an
    /// F × C × Kd × r × r kernel): for every output channel, input channel and
    /// D-tap, the r×r plane g becomes U = G g Gᵀ (α×α, computed in Double; G is
    /// the variant's `kernelTransform`), stored
    /// [ξ (α²)][input block][kd][input lane][OCB][output lane].
    public static func winograd(fromKernelChunk packed: UnsafePointer<Float>, blocks chunkBlocks: Int, lanes s: Int,
                                inputBlocks: Int, depth: Int, variant: WinogradVariant) -> [Float] {
        let g = variant.kernelTransform
        let (r, alpha) = (variant.kernel, variant.alpha)
        let plane = r * r
        let taps = depth * plane
        let perTap = s * chunkBlocks * s
        var transformed = [Float](repeating: 0, count: alpha * alpha * inputBlocks * depth * perTap)
        var kernel = [Double](repeating: 0, count: plane)
        var half = [Double](repeating: 0, count: alpha * r)
        for block in 0..<inputBlocks {
            for i in 0..<depth {
                for lane in 0..<perTap {
                    for tap in 0..<plane { kernel[tap] = Double(packed[(block * taps + i * plane + tap) * perTap + lane]) }
                    for row in 0..<alpha {  // G g
                        for b in 0..<r { half[row * r + b] = (0..<r).reduce(0.0) { $0 + g[row][$1] * kernel[r * $1 + b] } }
                    }
                    for row in 0..<alpha {  // (G g) Gᵀ
                        for column in 0..<alpha {
                            let sum = (0..<r).reduce(0.0) { $0 + half[row * r + $1] * g[column][$1] }
                            transformed[(((alpha * row + column) * inputBlocks + block) * depth + i) * perTap + lane] = Float(sum)
                        }
                    }
                }
            }
        }
        return transformed
    }

    /// A per-channel vector padded with `fill` to whole blocks.
    public static func padChannels(_ values: [Float], lanes: Int, fill: Float = 0) -> [Float] {
        let blocks = (values.count + lanes - 1) / lanes
        return values + [Float](repeating: fill, count: blocks * lanes - values.count)
    }
}
