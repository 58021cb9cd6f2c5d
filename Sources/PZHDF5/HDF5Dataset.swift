import CHDF5
import PZGraph

/// A dataset inside an open HDF5 file.
public struct HDF5Dataset {
    public let file: HDF5File
    /// The dataset's absolute path inside the file.
    public let path: String
    let handle: HDF5Handle

    /// The largest dataset pzconv reads: 2^30 elements (4 GiB of float32). A bigger
    /// declared extent is treated as damage rather than allocated.
    public static let maximumElementCount = 1 << 30

    init(file: HDF5File, openingPath path: String) throws {
        silenceHDF5Errors()
        self.file = file
        self.path = path
        let id = H5Dopen2(file.handle.id, path, file.datasetAccess.id)
        guard id >= 0 else { throw HDF5Error(file: file.path, "cannot open dataset \(path)") }
        handle = HDF5Handle(id, close: H5Dclose)
        guard pz_h5d_stored_elsewhere(id) == 0 else {
            throw HDF5Error(file: file.path, "dataset \(path) keeps its data in other files (external storage or a virtual "
                                             + "dataset); pzconv reads only self-contained HDF5 files")
        }
    }

    /// The dataset's C-order shape (empty for a scalar dataset).
    public func shape() throws -> [Int] {
        silenceHDF5Errors()
        let space = H5Dget_space(handle.id)
        guard space >= 0 else { throw HDF5Error(file: file.path, "cannot read the shape of \(path)") }
        defer { _ = H5Sclose(space) }
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0 else { throw HDF5Error(file: file.path, "cannot read the shape of \(path)") }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        if rank > 0 { _ = H5Sget_simple_extent_dims(space, &dims, nil) }
        return dims.map { Int(clamping: $0) }
    }

    /// Reads the whole dataset converted to float32 (HDF5 converts from any float
    /// or integer storage type). Fails on strings, compounds and other classes.
    public func readFloats() throws -> [Float] {
        try checkNumericType()
        let count = try shape().reduce(1) { partial, dim in
            let (product, overflow) = partial.multipliedReportingOverflow(by: dim)
            return overflow ? Int.max : product
        }
        guard count <= HDF5Dataset.maximumElementCount else {
            throw HDF5Error(file: file.path, "dataset \(path) declares \(count) elements, more than pzconv reads")
        }
        do {
            try file.memoryLimit.check(file.bytesRead + count * 4, for: "the dataset values read up to \(path)")
        } catch {
            throw HDF5Error(file: file.path, "\(error)")
        }
        file.bytesRead += count * 4
        var values = [Float](repeating: 0, count: count)
        guard count > 0 else { return values }
        let status = values.withUnsafeMutableBufferPointer {
            H5Dread(handle.id, pz_h5t_native_float(), pz_h5s_all(), pz_h5s_all(), pz_h5p_default(), $0.baseAddress)
        }
        guard status >= 0 else { throw HDF5Error(file: file.path, "cannot read dataset \(path) (damaged or truncated file)") }
        return values
    }

    /// Reads the box `origin ..< origin + size` (one entry per axis, inside the
    /// dataset) converted to float32, C order; only the chunks it touches are
    /// read. At most 2^30 values per call.
    public func readFloats(origin: [Int], size: [Int]) throws -> [Float] {
        try checkNumericType()
        let shape = try shape()
        guard origin.count == shape.count, size.count == shape.count,
              (0..<shape.count).allSatisfy({ origin[$0] >= 0 && size[$0] >= 0 && origin[$0] <= shape[$0] - size[$0] }) else {
            throw HDF5Error(file: file.path, "the region \(origin) + \(size) is not inside dataset \(path) of shape \(shape)")
        }
        let count = size.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        guard count <= HDF5Dataset.maximumElementCount else {
            throw HDF5Error(file: file.path, "a region of \(count) values of \(path) is more than pzconv reads at once")
        }
        var values = [Float](repeating: 0, count: count)
        guard count > 0 else { return values }
        let fileSpace = H5Dget_space(handle.id)
        guard fileSpace >= 0 else { throw HDF5Error(file: file.path, "cannot read the shape of \(path)") }
        defer { _ = H5Sclose(fileSpace) }
        let start = origin.map { hsize_t($0) }
        let extent = size.map { hsize_t($0) }
        let memorySpace = H5Screate_simple(Int32(size.count), extent, nil)
        guard memorySpace >= 0 else { throw HDF5Error(file: file.path, "cannot describe a region of \(path)") }
        defer { _ = H5Sclose(memorySpace) }
        guard H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, extent, nil) >= 0 else {
            throw HDF5Error(file: file.path, "cannot select the region \(origin) + \(size) of \(path)")
        }
        let status = values.withUnsafeMutableBufferPointer {
            H5Dread(handle.id, pz_h5t_native_float(), memorySpace, fileSpace, pz_h5p_default(), $0.baseAddress)
        }
        guard status >= 0 else {
            throw HDF5Error(file: file.path, "cannot read region \(origin) + \(size) of \(path) (damaged or truncated file)")
        }
        return values
    }

    /// Fails unless the stored type is a float (2, 4, 8 bytes) or integer (1, 2,
    /// 4, 8 bytes): HDF5 converts through a buffer of at least one element of the
    /// stored type, whatever size a damaged file gives it (a 4 GiB "float" was seen).
    private func checkNumericType() throws {
        silenceHDF5Errors()
        let fileType = H5Dget_type(handle.id)
        guard fileType >= 0 else { throw HDF5Error(file: file.path, "cannot read the type of \(path)") }
        let typeClass = H5Tget_class(fileType)
        let elementSize = H5Tget_size(fileType)
        _ = H5Tclose(fileType)
        guard typeClass == H5T_FLOAT || typeClass == H5T_INTEGER else {
            throw HDF5Error(file: file.path, "dataset \(path) is not numeric (HDF5 type class \(typeClass.rawValue))")
        }
        guard (typeClass == H5T_FLOAT ? [2, 4, 8] : [1, 2, 4, 8]).contains(elementSize) else {
            throw HDF5Error(file: file.path, "dataset \(path) has \(elementSize)-byte elements, not a float (2, 4 or 8 "
                                             + "bytes) or integer (1, 2, 4 or 8 bytes) type")
        }
    }
}
