import Foundation
import PZGraph

/// A single-file NIfTI-1 or NIfTI-2 volume, `.nii` or `.nii.gz`, header read
/// and checked through libnifti (`NIfTIHeader`). The shape is (C, D, H, W) =
/// (channels, nz, ny, nx), the file's own memory order (x fastest), as
/// SimpleITK and nnU-Net hold the array; a 4-D image's dim[4] (or a 5-D one's
/// dim[5], when dim[4] is 1) is its channels. Integer and float types of
/// either byte order are converted to float32, scl_slope and scl_inter applied
/// as nibabel applies them.
///
/// A `.nii` is memory-mapped: a region read touches only its pages. A
/// `.nii.gz` cannot be read by region: its voxels are decompressed once, whole,
/// into memory, after their size is checked against the memory limit.
public final class NIfTIVolumeReader: VolumeReader {
    public let path: String
    public let shape: [Int]
    /// Where the image lies in space; a NIfTI output of its prediction takes it.
    public let geometry: NIfTIGeometry
    private let voxels: COrderVoxels
    private let scaling: (slope: Double, intercept: Double)?
    /// The file (`.nii`, mapped; its pages handed back after each read) or its
    /// decompressed voxels (`.nii.gz`).
    private enum Source {
        case mapped(MappedFile)
        case decompressed(Data)
    }
    private let source: Source
    /// Where the voxels start in the source.
    private let start: Int

    /// Whether `path` names a NIfTI file (`.nii` or `.nii.gz`).
    public static func accepts(_ path: String) -> Bool { path.hasSuffix(".nii") || path.hasSuffix(".nii.gz") }

    /// Opens `path`; a `.nii.gz` whose voxels need more than `memoryLimit` is refused.
    public init(path: String, memoryLimit: MemoryLimit) throws {
        self.path = path
        let header: NIfTIHeader
        if path.hasSuffix(".gz") {
            header = try NIfTIHeader(Array(try GzipFile.read(path, from: 0, count: NIfTIHeader.longestHeader)), path: path)
            do {
                try memoryLimit.check(header.voxelByteCount, for: "its voxels, decompressed whole (a .nii.gz is not read by region),")
            } catch {
                throw VolumeError(path, "\(error)")
            }
            source = .decompressed(try GzipFile.read(path, from: header.voxelOffset, count: header.voxelByteCount))
            start = 0
        } else {
            let file = try MappedFile(path: path)
            header = try NIfTIHeader(Array(file.bytes.prefix(NIfTIHeader.longestHeader)), path: path)
            source = .mapped(file)
            start = min(header.voxelOffset, file.bytes.count)
        }
        let stored: Int
        switch source {
        case .mapped(let file): stored = file.bytes.count
        case .decompressed(let data): stored = data.count
        }
        guard header.voxelByteCount <= stored - start else {
            throw VolumeError(path, "truncated: shape \(header.shape) of \(header.dataType.size)-byte voxels needs "
                                    + "\(header.voxelByteCount) bytes after vox_offset \(header.voxelOffset), the file has "
                                    + "\(stored - start)")
        }
        shape = header.shape
        geometry = header.geometry
        scaling = header.scaling
        voxels = COrderVoxels(shape: header.shape, dataType: header.dataType, channelsLast: false)
    }

    public func read(_ box: VolumeBox) throws -> [Float] {
        let values: [Float]
        switch source {
        case .mapped(let file):
            values = voxels.read(box, from: UnsafeRawBufferPointer(rebasing: file.bytes[start...]))
            for range in voxels.byteRanges(box) { file.release(range.lowerBound + start ..< range.upperBound + start) }
        case .decompressed(let data):
            values = data.withUnsafeBytes { bytes in voxels.read(box, from: UnsafeRawBufferPointer(rebasing: bytes[start...])) }
        }
        guard let (slope, intercept) = scaling else { return values }
        return values.map { Float(Double($0) * slope + intercept) }
    }
}
