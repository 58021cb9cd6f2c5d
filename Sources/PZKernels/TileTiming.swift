import Dispatch
import PZPack

/// Times one generated register tile on synthetic data that stays in cache:
/// the tile accumulates `width` positions × `blocks` output blocks over 4
/// input blocks (full channels) and 27 taps, as a 3×3×3 convolution with 4·S
/// input channels does; repeated until about 20 ms have passed, median of 5.
/// FLOP/s count 2 per multiply-add of all lanes computed (half tiles: of their
/// 8-lane last block). For choosing each build's tile widths (`bench --tiles`).
enum TileTiming {
    static func measure(lanes s: Int, blocks: Int, width: Int, halfLast: Bool) -> Double? {
        guard let tile = ConvolutionTiles.tile(lanes: s, outputBlocks: blocks, width: width, unitStride: true,
                                               halfLast: halfLast) else { return nil }
        let (inputBlocks, taps) = (4, 27)
        // Input: 4 blocks of (width + 2) × 3 positions; taps walk a 3×3×3 window in it.
        let rowFloats = (width + 2) * s
        let blockFloats = rowFloats * 9
        let input = UnsafeMutablePointer<Float>.allocate(capacity: inputBlocks * blockFloats)
        let weights = UnsafeMutablePointer<Float>.allocate(capacity: inputBlocks * taps * s * blocks * s)
        let offsets = UnsafeMutablePointer<Int>.allocate(capacity: taps)
        let weightOffsets = UnsafeMutablePointer<Int>.allocate(capacity: taps)
        let accumulators = UnsafeMutablePointer<Float>.allocate(capacity: 24 * 16)
        defer { for pointer in [input, weights, accumulators] { pointer.deallocate() }; offsets.deallocate(); weightOffsets.deallocate() }
        for index in 0..<(inputBlocks * blockFloats) { input[index] = Float(index % 7) * 0.01 }
        for index in 0..<(inputBlocks * taps * s * blocks * s) { weights[index] = Float(index % 5) * 0.01 }
        for tap in 0..<taps {
            offsets[tap] = ((tap / 9) * 3 + (tap / 3) % 3) * rowFloats + (tap % 3) * s
            weightOffsets[tap] = tap * s * blocks * s
        }
        let arguments = TileArguments(input: input, xStep: s, xBlockStride: blockFloats, blocks: inputBlocks, lastChannels: s,
                                      weights: weights, wBlockStride: taps * s * blocks * s, taps: offsets,
                                      tapWeights: weightOffsets, tapCount: taps, tile: accumulators)
        let lanesComputed = halfLast ? (blocks - 1) * s + s / 2 : blocks * s
        let flopsPerCall = Double(2 * width * lanesComputed * inputBlocks * s * taps)
        var calls = 1
        var times: [Double] = []
        while times.count < 5 {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<calls { tile(arguments) }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if seconds < 0.02 { calls *= 2; continue }
            times.append(seconds / Double(calls))
        }
        return flopsPerCall / times.sorted()[2]
    }
}
