/// A box of voxels in a volume: `origin` and `size` along (D, H, W), in voxels.
/// Origins may be negative and boxes may reach past a volume (a tile's input
/// with context beyond the border); `clamped(to:)` keeps the part inside.
public struct VolumeBox: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var origin: [Int]
    public var size: [Int]

    public init(origin: [Int], size: [Int]) {
        precondition(origin.count == 3 && size.count == 3 && size.allSatisfy { $0 >= 0 })
        self.origin = origin
        self.size = size
    }

    /// The box [0, shape) of a whole volume.
    public init(shape: [Int]) { self.init(origin: [0, 0, 0], size: shape) }

    public var end: [Int] { (0..<3).map { origin[$0] + size[$0] } }
    public var voxelCount: Int { size[0] * size[1] * size[2] }
    public var isEmpty: Bool { size.contains(0) }

    /// The common part of two boxes (empty, at `origin`, when they do not meet).
    public func intersection(_ other: VolumeBox) -> VolumeBox {
        let lower = (0..<3).map { max(origin[$0], other.origin[$0]) }
        let upper = (0..<3).map { min(end[$0], other.end[$0]) }
        return VolumeBox(origin: lower, size: (0..<3).map { max(0, upper[$0] - lower[$0]) })
    }

    public func intersects(_ other: VolumeBox) -> Bool { !intersection(other).isEmpty }

    /// The part inside a volume of spatial `shape`.
    public func clamped(to shape: [Int]) -> VolumeBox { intersection(VolumeBox(shape: shape)) }

    public var description: String {
        "[" + (0..<3).map { "\(origin[$0])..<\(end[$0])" }.joined(separator: ", ") + "]"
    }
}
