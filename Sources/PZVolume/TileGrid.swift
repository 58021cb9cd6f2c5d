/// Where the model's patches go in a volume.
///
/// Along each axis (D, H, W) the output tiles start every `outputPatch − overlap`
/// voxels from 0; the last one is shifted back to end exactly at the volume's
/// end (never padded past it), and a volume smaller than the output patch gets
/// one tile at 0 (its input then reads past the end: see `VolumePadding`). A
/// tile's input starts `outputOffset` voxels before its output (the context a
/// valid-convolution net eats at each side; 0 for a same-padded net).
public struct TileGrid: Equatable, Sendable {
    /// The volume's spatial shape (D, H, W).
    public let volumeShape: [Int]
    /// The model's input patch (D, H, W).
    public let inputPatch: [Int]
    /// The model's output patch (D, H, W), at the input's resolution.
    public let outputPatch: [Int]
    /// Where the output patch starts inside the input patch.
    public let outputOffset: [Int]
    /// Output voxels shared by neighbouring tiles along each axis.
    public let overlap: [Int]
    /// The tiles' output origins along each axis, ascending.
    public let origins: [[Int]]

    /// Plans the tiles; the error says which size does not fit.
    public init(volumeShape: [Int], inputPatch: [Int], outputPatch: [Int], overlap: [Int]? = nil) throws {
        guard volumeShape.count == 3, inputPatch.count == 3, outputPatch.count == 3 else {
            throw VolumeError("tiling needs 3-D shapes (D, H, W)")
        }
        guard volumeShape.allSatisfy({ $0 > 0 }) else { throw VolumeError("the volume is empty (\(volumeShape))") }
        guard outputPatch.allSatisfy({ $0 > 0 }), zip(inputPatch, outputPatch).allSatisfy({ $0 >= $1 }) else {
            throw VolumeError("the model's output patch \(outputPatch) is not inside its input patch \(inputPatch) "
                              + "(predict needs an output at the input's resolution)")
        }
        let overlap = overlap ?? outputPatch.map { $0 / 2 }
        for axis in 0..<3 where overlap[axis] < 0 || overlap[axis] >= outputPatch[axis] {
            throw VolumeError("overlap \(overlap[axis]) along \(Self.axisNames[axis]) must be at least 0 and less than "
                              + "the output patch (\(outputPatch[axis]))")
        }
        self.volumeShape = volumeShape
        self.inputPatch = inputPatch
        self.outputPatch = outputPatch
        self.outputOffset = (0..<3).map { (inputPatch[$0] - outputPatch[$0]) / 2 }
        self.overlap = overlap
        self.origins = (0..<3).map {
            Self.axisOrigins(length: volumeShape[$0], patch: outputPatch[$0], step: outputPatch[$0] - overlap[$0])
        }
    }

    static let axisNames = ["D", "H", "W"]

    static func axisOrigins(length: Int, patch: Int, step: Int) -> [Int] {
        guard length > patch else { return [0] }
        var origins = Array(stride(from: 0, to: length - patch, by: step))
        origins.append(length - patch)
        return origins
    }

    /// Tiles along each axis.
    public var counts: [Int] { origins.map(\.count) }
    public var tileCount: Int { counts.reduce(1, *) }

    /// One tile: its grid position, output box and input box (volume coordinates;
    /// the input box may reach past the volume, the output box past its end only
    /// when the volume is smaller than the patch).
    public struct Tile: Equatable, Sendable {
        public let position: [Int]
        public let output: VolumeBox
        public let input: VolumeBox
    }

    /// The tile at grid `position`.
    public func tile(_ position: [Int]) -> Tile {
        let origin = (0..<3).map { origins[$0][position[$0]] }
        return Tile(position: position,
                    output: VolumeBox(origin: origin, size: outputPatch),
                    input: VolumeBox(origin: (0..<3).map { origin[$0] - outputOffset[$0] }, size: inputPatch))
    }

    /// Every tile, in raster order (D slowest, W fastest): the order blending adds
    /// them in, so that every run sums each voxel's contributions identically.
    public var tiles: [Tile] {
        var result: [Tile] = []
        result.reserveCapacity(tileCount)
        for d in 0..<counts[0] { for h in 0..<counts[1] { for w in 0..<counts[2] { result.append(tile([d, h, w])) } } }
        return result
    }

    /// The part of the volume tile `position[axis]` keeps under `--blend crop`
    /// along `axis`: from the middle of its overlap with the previous tile to the
    /// middle of its overlap with the next (the volume's ends for the first and
    /// last), so that every voxel belongs to exactly one tile.
    public func ownedRange(axis: Int, index: Int) -> Range<Int> {
        let starts = origins[axis]
        let patch = outputPatch[axis]
        let lower = index == 0 ? 0 : (starts[index - 1] + patch + starts[index]) / 2
        let upper = index == starts.count - 1 ? volumeShape[axis] : (starts[index] + patch + starts[index + 1]) / 2
        return lower..<upper
    }
}
