import PZGraph

/// Packs IR weights into the layouts the kernels read (PZnet §2.2, refined with
/// output-block chunks so one tile's weight vectors are adjacent):
///
/// - convolution kernels, per chunk of OCB output blocks:
///   [input block][kd][kh][kw][input lane][OCB][output lane] (zero-filled past the
///   channel counts); deconvolution kernels (the sub-pixel form) the same, with
///   input and output channels taken from the IR's C × F layout;
/// - Winograd F(2×2, 3×3) kernels (see WinogradKernel), per chunk:
///   [ξ (16)][input block][kd][input lane][OCB][output lane] of U = G g Gᵀ;
/// - per-channel vectors (bias, base scale, multipliers): padded to blocks × S.
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

    /// Chunks of at most 4 output blocks, as even as possible, never straddling a
    /// group (`blocksPerGroup` output blocks each).
    public static func chunks(outputBlocks: Int, blocksPerGroup: Int) -> [Chunk] {
        var chunks: [Chunk] = []
        for groupStart in stride(from: 0, to: outputBlocks, by: blocksPerGroup) {
            let count = min(blocksPerGroup, outputBlocks - groupStart)
            let pieces = (count + 3) / 4
            var first = groupStart
            for piece in 0..<pieces {
                let size = count / pieces + (piece < count % pieces ? 1 : 0)
                chunks.append(Chunk(firstBlock: first, blocks: size))
                first += size
            }
        }
        return chunks
    }

    /// The packed kernel of one chunk. `weight` is the IR tensor: F × C/g × k… for a
    /// convolution, C × F × k… for a deconvolution (groups 1). `inputBlocks` is the
    /// number of input blocks the chunk reads (those of its group).
    public static func packKernel(_ weight: Tensor, deconvolution: Bool, chunk: Chunk, lanes s: Int,
                                  inputBlocks: Int, groupOfChunk group: Int = 0, outputsPerGroup: Int) -> [Float] {
        let taps = weight.shape[2...].reduce(1, *)
        let (outputs, inputsPerGroup) = deconvolution ? (weight.shape[1], weight.shape[0]) : (weight.shape[0], weight.shape[1])
        var packed = [Float](repeating: 0, count: inputBlocks * taps * s * chunk.blocks * s)
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
                            let source = deconvolution
                                ? (input * outputs + output) * taps + tap
                                : (output * inputsPerGroup + input) * taps + tap
                            let target = (((block * taps + tap) * s + inputLane) * chunk.blocks + ob) * s + outputLane
                            packed[target] = weight.values[source]
                        }
                    }
                }
            }
        }
        return packed
    }

    /// The packed Winograd kernel of one chunk: for every output channel, input
    /// channel and D-tap, the 3×3 plane g becomes U = G g Gᵀ (4×4, computed in
    /// Double), G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]]. `weight` is the
    /// IR tensor F × C × Kd × 3 × 3 (one group).
    public static func packWinograd(_ weight: Tensor, chunk: Chunk, lanes s: Int, inputBlocks: Int) -> [Float] {
        let (outputs, inputs, depth) = (weight.shape[0], weight.shape[1], weight.shape[2])
        let g: [[Double]] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
        var packed = [Float](repeating: 0, count: 16 * inputBlocks * depth * s * chunk.blocks * s)
        for ob in 0..<chunk.blocks {
            for outputLane in 0..<s {
                let output = (chunk.firstBlock + ob) * s + outputLane
                guard output < outputs else { continue }
                for input in 0..<inputs {
                    for i in 0..<depth {
                        let base = ((output * inputs + input) * depth + i) * 9
                        let kernel = (0..<9).map { Double(weight.values[base + $0]) }
                        for row in 0..<4 {
                            for column in 0..<4 {
                                var sum = 0.0
                                for a in 0..<3 {
                                    for b in 0..<3 { sum += g[row][a] * kernel[3 * a + b] * g[column][b] }
                                }
                                let position = 4 * row + column
                                let (block, inputLane) = (input / s, input % s)
                                let target = (((((position * inputBlocks + block) * depth + i) * s + inputLane) * chunk.blocks + ob) * s)
                                    + outputLane
                                packed[target] = Float(sum)
                            }
                        }
                    }
                }
            }
        }
        return packed
    }

    /// A per-channel vector padded with `fill` to whole blocks.
    public static func padChannels(_ values: [Float], lanes: Int, fill: Float = 0) -> [Float] {
        let blocks = (values.count + lanes - 1) / lanes
        return values + [Float](repeating: fill, count: blocks * lanes - values.count)
    }
}
