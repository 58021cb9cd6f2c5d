/// The blocked layout of an activation tensor (PZnet §2.2): NCDHW with the
/// channels split into blocks of S lanes, stored N × ⌈C/S⌉ × D × H × W × S.
/// Lanes past C in the last block hold no channel; kernels never read them
/// across channels (convolutions skip them, softmax ignores them).
@frozen public struct BlockedShape: Hashable, Sendable {
    public let n: Int, channels: Int, d: Int, h: Int, w: Int
    /// S: 8 or 16 lanes.
    public let lanes: Int

    @inlinable
    public init(_ shape: [Int], lanes: Int) {
        precondition(shape.count == 5)
        (n, channels, d, h, w) = (shape[0], shape[1], shape[2], shape[3], shape[4])
        self.lanes = lanes
    }

    @inlinable public var shape: [Int] { [n, channels, d, h, w] }
    @inlinable public var blocks: Int { (channels + lanes - 1) / lanes }
    /// Floats per W position (S), per H row, per D plane, per block, per batch item.
    @inlinable public var rowStride: Int { w * lanes }
    @inlinable public var planeStride: Int { h * w * lanes }
    @inlinable public var blockStride: Int { d * h * w * lanes }
    @inlinable public var batchStride: Int { blocks * blockStride }
    @inlinable public var floatCount: Int { n * batchStride }
    /// Real channels in the last block.
    @inlinable public var lastBlockChannels: Int { channels - (blocks - 1) * lanes }

    /// Float offset of (n, block, d, h, w), lane 0.
    @inlinable @inline(__always)
    public func offset(_ n: Int, _ block: Int, _ d: Int, _ h: Int, _ w: Int) -> Int {
        n * batchStride + block * blockStride + d * planeStride + h * rowStride + w * lanes
    }
}
