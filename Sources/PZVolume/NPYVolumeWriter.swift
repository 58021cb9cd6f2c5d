import Foundation
import PZGraph
import PZPatchIO

/// A `.npy` output (C, D, H, W), built in `OUTPUT.partial` with its chunks'
/// rows written in place and each finished chunk recorded, after its bytes are
/// flushed, in `OUTPUT.partial.done` (whose first line is the run's identity;
/// see `PartialVolumeFile`). A rerun of the same run resumes from the record;
/// the last chunk renames the file into place. One process only (use a Zarr
/// output for `--shard`).
public final class NPYVolumeWriter: VolumeWriter {
    public let path: String
    public var shape: [Int] { file.shape }
    public var chunks: ChunkGrid { file.chunks }
    private let file: PartialVolumeFile

    public init(path: String, shape: [Int], chunkShape: [Int], dataType: ArrayDataType, identity: String,
                overwrite: Bool) throws {
        self.path = path
        file = try PartialVolumeFile(path: path, shape: shape, chunkShape: chunkShape, dataType: dataType,
                                     header: NPYFile.headerBytes(descr: dataType.description, shape: shape),
                                     identity: identity, overwrite: overwrite)
    }

    public func isDone(_ position: [Int]) throws -> Bool { file.isDone(position) }

    public func write(_ position: [Int], values: [Float]) throws { try file.write(position, values: values) }

    public func finish() throws {
        guard file.needsFinishing else { return }
        try file.moveIntoPlace()
    }
}
