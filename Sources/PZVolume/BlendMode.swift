import Foundation

/// How overlapping tiles' outputs are combined: each tile's output is weighted
/// voxel by voxel, and a voxel's value is Σ weight·output / Σ weight over the
/// tiles that cover it — so a net whose output is a constant gives that
/// constant everywhere, borders included.
public enum BlendMode: String, CaseIterable, Sendable {
    /// chunkflow's bump: per axis b(i) = exp(−1 / (1 − t²)) with
    /// t = 2(i + 1)/(P + 1) − 1, the product over the three axes, floored at
    /// 10⁻⁵ of its maximum (as chunkflow does, against underflow).
    case bump
    /// nnU-Net's Gaussian, σ = P/8 per axis: g(i) = exp(−(i + ½ − P/2)² / 2σ²),
    /// the product over the axes (maximum 1 at the centre, symmetric).
    case gaussian
    /// Every covered voxel weighs 1: the plain average.
    case mean
    /// Each voxel is taken from exactly one tile, the one whose owned part
    /// (`TileGrid.ownedRange`) holds it: the tiles' centres, no averaging.
    case crop

    /// The weight profile along one axis of an output patch of `length` voxels,
    /// for `bump`, `gaussian` and `mean` (the same for every tile).
    public func profile(length: Int) -> [Double] {
        let size = Double(length)
        switch self {
        case .bump:
            return (0..<length).map { index in
                let t = 2 * Double(index + 1) / (size + 1) - 1
                return exp(-1 / (1 - t * t))
            }
        case .gaussian:
            let sigma = size / 8
            return (0..<length).map { index in
                let distance = Double(index) + 0.5 - size / 2
                return exp(-distance * distance / (2 * sigma * sigma))
            }
        case .mean, .crop:
            return [Double](repeating: 1, count: length)
        }
    }
}

extension BlendMode {
    /// The weights over an output patch of `patch` (D, H, W), D-major: the
    /// product of the axes' profiles (bump floored at 10⁻⁵ of its maximum). For
    /// `crop`, the weights of a tile that owns its whole patch (all ones).
    public func weights(patch: [Int]) -> [Float] {
        weights(profiles: (0..<3).map { profile(length: patch[$0]) })
    }

    func weights(profiles: [[Double]]) -> [Float] {
        let floor = self == .bump ? profiles.map { $0.max() ?? 0 }.reduce(1, *) * 1e-5 : 0
        var values = [Float](repeating: 0, count: profiles.map(\.count).reduce(1, *))
        var index = 0
        for d in profiles[0] {
            for h in profiles[1] {
                for w in profiles[2] {
                    values[index] = Float(max(d * h * w, floor))
                    index += 1
                }
            }
        }
        return values
    }
}

/// The weights of one tile's output patch, D-major (D, H, W), as Float.
struct TileWeights {
    let values: [Float]

    /// The weights of tile `tile` of `grid` under `mode`.
    init(_ mode: BlendMode, grid: TileGrid, tile: TileGrid.Tile) {
        let patch = grid.outputPatch
        let profiles: [[Double]]
        if mode == .crop {
            profiles = (0..<3).map { axis in
                let owned = grid.ownedRange(axis: axis, index: tile.position[axis])
                return (0..<patch[axis]).map { owned.contains(tile.output.origin[axis] + $0) ? 1 : 0 }
            }
        } else {
            profiles = (0..<3).map { mode.profile(length: patch[$0]) }
        }
        values = mode.weights(profiles: profiles)
    }
}
