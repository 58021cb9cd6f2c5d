internal import CNIfTI
import PZGraph

/// A single-file NIfTI-1 or NIfTI-2 header (`.nii`, or `.nii.gz` decompressed),
/// read and checked through libnifti before any voxel is: its version, byte
/// order, validity and geometry are libnifti's; the checks pzconv needs on top
/// (one data axis past x, y, z; a type it converts; sizes that fit in 64 bits)
/// each give a one-line error `FILE: problem`. libnifti's own messages are off
/// (debug level 0), and its converters only see headers already checked.
package struct NIfTIHeader {
    /// Enough bytes for either version's header.
    static let longestHeader = 540
    /// libnifti's byteorder of a big-endian file (MSB_FIRST, which its public header does not export).
    private static let mostSignificantByteFirst: Int32 = 2

    /// 1 or 2.
    let version: Int
    /// (C, D, H, W) = (channels, nz, ny, nx): the file's own memory order (x
    /// fastest), the order of the arrays SimpleITK and nnU-Net hold. Channels
    /// are the one axis past x, y, z longer than 1 (the slowest): dim[4] of a
    /// 4-D image, dim[5] of a 5-D one whose dim[4] is 1.
    let shape: [Int]
    /// The stored type, in the file's byte order.
    let dataType: ArrayDataType
    /// Where the voxels start: bytes from the start of the (decompressed) file.
    let voxelOffset: Int
    /// C·D·H·W times the element size; `voxelOffset + voxelByteCount` does not overflow.
    let voxelByteCount: Int
    /// Stored v reads as v·slope + intercept (in double precision): set when
    /// scl_slope is finite and neither 0 nor (with scl_inter 0) 1, as nibabel
    /// decides; nil reads values as stored.
    let scaling: (slope: Double, intercept: Double)?
    let geometry: NIfTIGeometry

    /// The fields pzconv checks itself, in the machine's byte order.
    fileprivate struct Fields {
        var dims: [Int]
        var datatype: Int32
        /// nil: not a whole byte offset that fits in 64 bits.
        var voxelOffset: Int?
        var slope: Double
        var intercept: Double
        var oneFile: Bool
    }

    /// Reads the header at the start of `bytes` (at least its first 348 or
    /// 540 bytes); `path` names the file in errors.
    package init(_ bytes: [UInt8], path: String) throws {
        guard bytes.count >= 348 else {
            throw VolumeError(path, "truncated: \(bytes.count) bytes, a NIfTI-1 header alone has 348")
        }
        nifti_set_debug_level(0)
        version = Int(bytes.withUnsafeBytes { nifti_header_version($0.bindMemory(to: CChar.self).baseAddress, $0.count) })
        let headerSize = version == 2 ? 540 : 348
        let fields: Fields
        var image: UnsafeMutablePointer<nifti_image>?
        switch version {
        case 1:
            var raw = nifti_1_header()
            withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: bytes.prefix(348)) }
            var native = raw
            // libnifti's rule: the order in which dim[0] is 1 to 7.
            if !(1...7).contains(raw.dim.0) {
                guard (1...7).contains(raw.dim.0.byteSwapped) else {
                    let dim0 = raw.sizeof_hdr == 348 ? raw.dim.0 : raw.dim.0.byteSwapped
                    throw VolumeError(path, "dim[0] is \(dim0): a NIfTI image has 1 to 7 axes")
                }
                swap_nifti_header(&native, 1)
            }
            fields = Fields(nifti1: native)
            try Self.check(fields, headerSize: headerSize, path: path)
            // libnifti checks a header in this machine's byte order, and converts one in the file's.
            guard nifti_hdr1_looks_good(&native) != 0 else { throw VolumeError(path, "libnifti finds the NIfTI-1 header invalid") }
            image = nifti_convert_n1hdr2nim(raw, nil)
        case 2:
            guard bytes.count >= 540 else {
                throw VolumeError(path, "truncated: \(bytes.count) bytes, a NIfTI-2 header alone has 540")
            }
            var raw = nifti_2_header()
            withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: bytes.prefix(540)) }
            var native = raw
            if raw.sizeof_hdr != 540 { swap_nifti_header(&native, 2) }
            fields = Fields(nifti2: native)
            try Self.check(fields, headerSize: headerSize, path: path)
            guard nifti_hdr2_looks_good(&native) != 0 else { throw VolumeError(path, "libnifti finds the NIfTI-2 header invalid") }
            image = nifti_convert_n2hdr2nim(raw, nil)
        case 0:
            throw VolumeError(path, "an ANALYZE 7.5 header (no NIfTI magic) is not read; save the image as NIfTI")
        default:
            let size = bytes.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
            let problem = [348, 540].contains(size) || [348, 540].contains(size.byteSwapped)
                ? "its magic is neither NIfTI-1's n+1 nor NIfTI-2's n+2"
                : "sizeof_hdr is \(size), NIfTI-1 has 348 and NIfTI-2 540"
            throw VolumeError(path, "not a NIfTI file: \(problem)")
        }
        guard let image else { throw VolumeError(path, "libnifti cannot read the header") }
        defer { nifti_image_free(image) }

        let extents = (1...7).map { $0 <= fields.dims[0] ? fields.dims[$0] : 1 }
        let channels = extents[3...].first { $0 > 1 } ?? 1
        shape = [channels, extents[2], extents[1], extents[0]]
        let stored = try Self.elementType(fields.datatype, path: path)
        guard Int(image.pointee.nbyper) == stored.size else {
            throw VolumeError(path, "libnifti gives datatype \(fields.datatype) \(image.pointee.nbyper) bytes, not \(stored.size)")
        }
        dataType = ArrayDataType(kind: stored.kind, size: stored.size,
                                 bigEndian: image.pointee.byteorder == Self.mostSignificantByteFirst && stored.size > 1)
        let bytes = shape.checkedElementCount?.multipliedReportingOverflow(by: stored.size)
        guard let bytes, !bytes.overflow, let offset = fields.voxelOffset,
              !offset.addingReportingOverflow(bytes.partialValue).overflow else {
            throw VolumeError(path, "dims \(Array(fields.dims[1...fields.dims[0]])) of \(stored.size)-byte voxels "
                                    + "past vox_offset overflow a 64-bit size")
        }
        voxelOffset = offset
        voxelByteCount = bytes.partialValue
        scaling = fields.slope == 1 && fields.intercept == 0 || fields.slope == 0 || !fields.slope.isFinite
            ? nil : (fields.slope, fields.intercept)
        geometry = NIfTIGeometry(image.pointee, version: version)
    }

    /// Refuses what pzconv does not read, before libnifti converts the header.
    private static func check(_ fields: Fields, headerSize: Int, path: String) throws {
        guard fields.oneFile else {
            throw VolumeError(path, "a two-file NIfTI (.hdr and .img) is not read; save the image as one .nii")
        }
        let dims = fields.dims
        guard (1...7).contains(dims[0]) else { throw VolumeError(path, "dim[0] is \(dims[0]): a NIfTI image has 1 to 7 axes") }
        if let bad = (1...dims[0]).first(where: { dims[$0] < 1 }) {
            throw VolumeError(path, "dim[\(bad)] is \(dims[bad]): sizes must be positive")
        }
        guard dims[0] <= 3 || dims[4...dims[0]].filter({ $0 > 1 }).count <= 1 else {
            throw VolumeError(path, "dims \(Array(dims[1...dims[0]])) have more than one axis past x, y, z "
                                    + "(pzconv reads x, y, z and one channel axis, dim[4] or dim[5])")
        }
        _ = try elementType(fields.datatype, path: path)
        guard let offset = fields.voxelOffset, offset >= headerSize + 4 else {
            throw VolumeError(path, "vox_offset \(fields.voxelOffset.map(String.init) ?? "(not a byte offset)") is inside "
                                    + "the \(headerSize + 4)-byte header")
        }
        if fields.slope.isFinite && fields.slope != 0 && !fields.intercept.isFinite {
            throw VolumeError(path, "scl_slope is \(fields.slope) but scl_inter is \(fields.intercept)")
        }
    }

    /// The types pzconv converts to float32, by NIfTI datatype code (byte
    /// order set by the caller).
    private static let elementTypes: [Int32: ArrayDataType] = [
        DT_UINT8: ArrayDataType(kind: .unsigned, size: 1), DT_INT8: ArrayDataType(kind: .signed, size: 1),
        DT_UINT16: ArrayDataType(kind: .unsigned, size: 2), DT_INT16: ArrayDataType(kind: .signed, size: 2),
        DT_UINT32: ArrayDataType(kind: .unsigned, size: 4), DT_INT32: ArrayDataType(kind: .signed, size: 4),
        DT_UINT64: ArrayDataType(kind: .unsigned, size: 8), DT_INT64: ArrayDataType(kind: .signed, size: 8),
        DT_FLOAT32: ArrayDataType(kind: .float, size: 4), DT_FLOAT64: ArrayDataType(kind: .float, size: 8),
    ]

    private static func elementType(_ code: Int32, path: String) throws -> ArrayDataType {
        if let type = elementTypes[code] { return type }
        guard nifti_datatype_is_valid(code, 1) != 0 else { throw VolumeError(path, "datatype \(code) is not a NIfTI type") }
        let name = String(cString: nifti_datatype_string(code))
        throw VolumeError(path, "datatype \(name) (\(code)) is not read: pzconv reads integer and float images")
    }
}

extension NIfTIHeader.Fields {
    init(nifti1 header: nifti_1_header) {
        let dims = withUnsafeBytes(of: header.dim) { $0.bindMemory(to: Int16.self).map { Int($0) } }
        let offset = header.vox_offset
        self.init(dims: dims, datatype: Int32(header.datatype),
                  voxelOffset: offset.isFinite && offset >= 0 && offset < 0x1p31 && offset.rounded() == offset ? Int(offset) : nil,
                  slope: Double(header.scl_slope), intercept: Double(header.scl_inter), oneFile: header.magic.1 == 0x2B)
    }

    init(nifti2 header: nifti_2_header) {
        let dims = withUnsafeBytes(of: header.dim) { $0.bindMemory(to: Int64.self).map { Int($0) } }
        self.init(dims: dims, datatype: Int32(header.datatype), voxelOffset: Int(header.vox_offset),
                  slope: header.scl_slope, intercept: header.scl_inter, oneFile: header.magic.1 == 0x2B)
    }
}
