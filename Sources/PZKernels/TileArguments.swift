import PZPack

/// The arguments of a generated convolution tile (see Scripts/generate-kernels.py
/// and ConvolutionTiles for the layouts). All offsets are in floats.
struct TileArguments {
    /// Input block 0 at the tile's first output position (its first tap origin).
    var input: UnsafePointer<Float>
    /// Floats between the inputs of consecutive output positions (strided tiles).
    var xStep: Int
    var xBlockStride: Int
    /// Input channel blocks, and real channels in the last one.
    var blocks: Int
    var lastChannels: Int
    /// The chunk's packed weights, input block 0, tap 0.
    var weights: UnsafePointer<Float>
    var wBlockStride: Int
    /// Per tap: input offset and weight offset.
    var taps: UnsafePointer<Int>
    var tapWeights: UnsafePointer<Int>
    var tapCount: Int
    /// Where the accumulators go: RW × OCB × S floats.
    var tile: UnsafeMutablePointer<Float>
}

extension ConvolutionTiles {
    /// Whether a chunk of output blocks `firstBlock ..< firstBlock + blocks` runs on
    /// half tiles: S = 16 and the chunk ends with the tensor's last block, which
    /// holds at most 8 channels (its high lanes are stored as zeros).
    static func usesHalfTiles(lanes: Int, firstBlock: Int, blocks: Int, output: BlockedShape) -> Bool {
        lanes == 16 && firstBlock + blocks == output.blocks && output.lastBlockChannels <= 8
    }
}
