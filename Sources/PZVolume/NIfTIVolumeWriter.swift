internal import CNIfTI
import Foundation
import PZGraph

/// A NIfTI output, `.nii` or `.nii.gz`, of shape (C, D, H, W): dims (x, y, z) =
/// (W, H, D), and dim[4] = C when C > 1; x fastest, as pzconv's arrays. The
/// header is libnifti's, made from `geometry` (a NIfTI input's placement, its
/// NIfTI version kept; NIfTI-2 when a size passes NIfTI-1's 32,767), with
/// scl_slope 1 and scl_inter 0, little-endian, the voxels at byte 352
/// (NIfTI-1) or 544 (NIfTI-2). `--dtype` float32 or uint8 (NIfTI has no float16).
///
/// Built in place and resumable like a `.npy` (`PartialVolumeFile`): the
/// uncompressed file grows in `OUTPUT.partial` with its finished chunks
/// recorded in `OUTPUT.partial.done`; the last chunk renames a `.nii` into
/// place, or gzips a `.nii.gz` into a temporary file renamed onto `OUTPUT`.
/// One process only (use a Zarr output for `--shard`).
public final class NIfTIVolumeWriter: VolumeWriter {
    public let path: String
    public var shape: [Int] { file.shape }
    public var chunks: ChunkGrid { file.chunks }
    private let file: PartialVolumeFile

    public init(path: String, shape: [Int], chunkShape: [Int], dataType: ArrayDataType, geometry: NIfTIGeometry?,
                identity: String, overwrite: Bool) throws {
        self.path = path
        let code: Int32
        switch dataType {
        case .float32: code = DT_FLOAT32
        case .uint8: code = DT_UINT8
        default:
            throw VolumeError(path, "NIfTI has no \(dataType == .float16 ? "float16" : "\(dataType)") type; "
                                    + "use --dtype float32 (or uint8)")
        }
        let header = try Self.header(shape: shape, datatype: code, geometry: geometry ?? .unplaced, path: path)
        file = try PartialVolumeFile(path: path, shape: shape, chunkShape: chunkShape, dataType: dataType, header: header,
                                     identity: identity, overwrite: overwrite)
    }

    public func isDone(_ position: [Int]) throws -> Bool { file.isDone(position) }

    public func write(_ position: [Int], values: [Float]) throws { try file.write(position, values: values) }

    public func finish() throws {
        guard file.needsFinishing else { return }
        guard path.hasSuffix(".gz") else { return try file.moveIntoPlace() }
        do {
            try AtomicFile.write(to: path) { temporary in
                try GzipFile.compress(file.partialPath, into: temporary)
                try file.recordFinished(temporary)
            }
        } catch let error as VolumeError {
            throw error
        } catch {
            throw VolumeError(path, "cannot move the finished output into place (\(error))")
        }
        file.remove()
    }

    /// The header and the four-byte extension flag (0: none) of a single-file
    /// NIfTI of `shape` (C, D, H, W) holding NIfTI `datatype`.
    static func header(shape: [Int], datatype: Int32, geometry: NIfTIGeometry, path: String) throws -> [UInt8] {
        let (channels, depth, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let dims: [Int64] = [channels > 1 ? 4 : 3, Int64(width), Int64(height), Int64(depth), Int64(channels), 1, 1, 1]
        let version = geometry.version == 2 || dims.contains(where: { $0 > Int64(Int16.max) }) ? 2 : 1
        nifti_set_debug_level(0)
        guard let image = nifti_make_new_nim(dims, datatype, 0) else { throw VolumeError(path, "libnifti cannot make a header") }
        defer { nifti_image_free(image) }
        // libnifti leaves the sizes past dim[0] 0; nibabel writes 1 there.
        (image.pointee.nt, image.pointee.nu, image.pointee.nv, image.pointee.nw) = (Int64(channels), 1, 1, 1)
        geometry.apply(to: &image.pointee)
        image.pointee.scl_slope = 1
        image.pointee.scl_inter = 0
        withUnsafeMutableBytes(of: &image.pointee.descrip) { $0.copyBytes(from: "pzconv predict".utf8) }
        image.pointee.nifti_type = version == 1 ? NIFTI_FTYPE_NIFTI1_1 : NIFTI_FTYPE_NIFTI2_1
        image.pointee.iname_offset = version == 1 ? 352 : 544
        var bytes: [UInt8]
        if version == 1 {
            var header = nifti_1_header()
            guard nifti_convert_nim2n1hdr(image, &header) == 0 else { throw VolumeError(path, "libnifti cannot make a NIfTI-1 header") }
            if header.qform_code == 0 { header.pixdim.0 = 1 }  // qfac, which libnifti leaves 0 without a qform
            bytes = withUnsafeBytes(of: header) { Array($0) }
        } else {
            var header = nifti_2_header()
            guard nifti_convert_nim2n2hdr(image, &header) == 0 else { throw VolumeError(path, "libnifti cannot make a NIfTI-2 header") }
            if header.qform_code == 0 { header.pixdim.0 = 1 }
            bytes = withUnsafeBytes(of: header) { Array($0) }
            // libnifti writes "n+2" and leaves the rest of the magic zero; NIfTI-2's is "n+2\0\r\n\u{1A}\n".
            bytes.replaceSubrange(8..<12, with: [0x0D, 0x0A, 0x1A, 0x0A])
        }
        return bytes + [0, 0, 0, 0]
    }
}
