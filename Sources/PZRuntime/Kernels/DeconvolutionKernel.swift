import PZGraph

/// Transposed convolution whose kernel equals its stride (no dilation, one
/// group): the up-sampling of U-Nets. Every output position receives exactly one
/// kernel tap (or none, in a region padding extends, which gets only the bias),
/// so the operation is, per output phase (k_d, k_h, k_w), a 1×1 convolution from
/// the input to every stride-th output position — no multiplication by inserted
/// zeros. It runs on the same generated tiles as convolutions, over consecutive
/// input positions, storing every s_w-th output position.
struct DeconvolutionKernel: EpilogueRowKernel, @unchecked Sendable {
    let parameters: ConvolutionParameters
    let inputShape: BlockedShape
    let outputShape: BlockedShape
    let chunks: [ConvolutionKernel.Chunk]
    let bias: UnsafePointer<Float>?
    let baseScale: UnsafePointer<Float>?

    var lanes: Int { inputShape.lanes }

    func rows<V: KernelVector>(_ range: Range<Int>, result: [Int], input: UnsafePointer<Float>,
                               store: EpilogueStore, as _: V.Type) {
        let p = parameters
        let s = lanes
        let taps = p.kernel.reduce(1, *)
        let tile = UnsafeMutablePointer<Float>.allocate(capacity: 24 * 16)
        let tapOffset = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        let tapWeight = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        let covered = UnsafeMutablePointer<Bool>.allocate(capacity: result[2])
        defer { tile.deallocate(); tapOffset.deallocate(); tapWeight.deallocate(); covered.deallocate() }
        let (sw, pw) = (p.stride[2], p.padBegin[2])
        for row in range {
            let n = row / (result[0] * result[1])
            let od = (row / result[1]) % result[0]
            let oh = row % result[1]
            let qd = od + p.padBegin[0], qh = oh + p.padBegin[1]
            let (id, kd) = (floorDivide(qd, p.stride[0]), qd - floorDivide(qd, p.stride[0]) * p.stride[0])
            let (ih, kh) = (floorDivide(qh, p.stride[1]), qh - floorDivide(qh, p.stride[1]) * p.stride[1])
            let rowValid = id >= 0 && id < inputShape.d && ih >= 0 && ih < inputShape.h
            for chunk in chunks {
                covered.update(repeating: false, count: result[2])
                if rowValid {
                    let rowInput = input + n * inputShape.batchStride + id * inputShape.planeStride + ih * inputShape.rowStride
                    for kw in 0..<sw {
                        // Output columns of this phase: ow = iw·s_w + kw − pad_w, for inputs iw in range.
                        let firstInput = max(0, ceilDivide(pw - kw, sw))
                        let endInput = min(inputShape.w, floorDivide(result[2] - 1 + pw - kw, sw) + 1)
                        guard firstInput < endInput else { continue }
                        tapOffset[0] = 0
                        tapWeight[0] = ((kd * p.kernel[1] + kh) * p.kernel[2] + kw) * s * chunk.blocks * s
                        var arguments = TileArguments(
                            input: rowInput, xStep: s, xBlockStride: inputShape.blockStride, blocks: inputShape.blocks,
                            lastChannels: inputShape.lastBlockChannels, weights: chunk.weights,
                            wBlockStride: taps * s * chunk.blocks * s, taps: tapOffset, tapWeights: tapWeight, tapCount: 1,
                            tile: tile)
                        let half = ConvolutionTiles.usesHalfTiles(lanes: s, firstBlock: chunk.firstBlock, blocks: chunk.blocks,
                                                                  output: outputShape)
                        let maximum = (half ? ConvolutionTiles.maximumHalfWidth : ConvolutionTiles.maximumWidth)[chunk.blocks]
                        var iw = firstInput
                        while iw < endInput {
                            let width = min(maximum, endInput - iw)
                            arguments.input = rowInput + iw * s
                            ConvolutionTiles.tile(lanes: s, outputBlocks: chunk.blocks, width: width, unitStride: true,
                                                  halfLast: half)!(arguments)
                            let ow = iw * sw + kw - pw
                            store.store(tile, as: V.self, width: width, blocks: chunk.blocks, firstBlock: chunk.firstBlock,
                                        n: n, d: od, h: oh, w0: ow, step: sw)
                            for j in 0..<width { covered[ow + j * sw] = true }
                            iw += width
                        }
                    }
                }
                // Positions no tap reaches (padding extended the output): the bias alone.
                tile.update(repeating: 0, count: chunk.blocks * s)
                for ow in 0..<result[2] where !covered[ow] {
                    store.store(tile, as: V.self, width: 1, blocks: chunk.blocks, firstBlock: chunk.firstBlock,
                                n: n, d: od, h: oh, w0: ow, step: 1)
                }
            }
        }
    }
}
