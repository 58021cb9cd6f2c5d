import CHDF5

/// The element types pzconv writes, little-endian: float32, IEEE binary16 (as
/// h5py stores NumPy's float16) and uint8.
public enum HDF5ElementType: Sendable {
    case float32
    case float16
    case uint8

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .float32: 4
        case .float16: 2
        case .uint8: 1
        }
    }

    /// A new HDF5 type id for it; close with H5Tclose.
    func makeType(file: String) throws -> hid_t {
        let type: hid_t
        switch self {
        case .float32: type = H5Tcopy(pz_h5t_ieee_f32le())
        case .float16: type = pz_h5t_make_f16le()
        case .uint8: type = H5Tcopy(pz_h5t_std_u8le())
        }
        guard type >= 0 else { throw HDF5Error(file: file, "cannot make the HDF5 type for \(self)") }
        return type
    }
}

extension HDF5Group {
    /// Creates a chunked, uncompressed dataset of `shape` (C order) with chunks of
    /// `chunkShape` (each at most its axis), creating missing intermediate groups.
    /// Its values are written region by region with `HDF5Dataset.write`.
    public func createDataset(_ name: String, shape: [Int], chunkShape: [Int],
                              elementType: HDF5ElementType) throws -> HDF5Dataset {
        silenceHDF5Errors()
        guard shape.count == chunkShape.count, shape.allSatisfy({ $0 > 0 }),
              (0..<shape.count).allSatisfy({ chunkShape[$0] > 0 && chunkShape[$0] <= shape[$0] }) else {
            throw HDF5Error(file: file.path, "dataset \(childPath(name)): chunks \(chunkShape) do not fit shape \(shape)")
        }
        let dims = shape.map { hsize_t($0) }
        let space = H5Screate_simple(Int32(dims.count), dims, nil)
        guard space >= 0 else { throw HDF5Error(file: file.path, "cannot create dataspace for \(childPath(name))") }
        defer { _ = H5Sclose(space) }
        let creation = H5Pcreate(pz_h5p_dataset_create())
        guard creation >= 0 else { throw HDF5Error(file: file.path, "cannot create dataset properties") }
        defer { _ = H5Pclose(creation) }
        let chunkDims = chunkShape.map { hsize_t($0) }
        guard H5Pset_chunk(creation, Int32(chunkDims.count), chunkDims) >= 0 else {
            throw HDF5Error(file: file.path, "cannot set chunks \(chunkShape) for \(childPath(name))")
        }
        let type = try elementType.makeType(file: file.path)
        defer { _ = H5Tclose(type) }
        let linkProperties = H5Pcreate(pz_h5p_link_create())
        guard linkProperties >= 0, H5Pset_create_intermediate_group(linkProperties, 1) >= 0 else {
            throw HDF5Error(file: file.path, "cannot create link properties")
        }
        defer { _ = H5Pclose(linkProperties) }
        let dataset = H5Dcreate2(handle.id, name, type, space, linkProperties, creation, pz_h5p_default())
        guard dataset >= 0 else { throw HDF5Error(file: file.path, "cannot create dataset \(childPath(name))") }
        _ = H5Dclose(dataset)
        return try self.dataset(name)
    }

    /// Removes the link `name` (a dataset or group: its space is not reclaimed
    /// until the file is repacked, as with h5py's `del`).
    public func removeLink(_ name: String) throws {
        silenceHDF5Errors()
        guard H5Ldelete(handle.id, name, pz_h5p_default()) >= 0 else {
            throw HDF5Error(file: file.path, "cannot remove \(childPath(name))")
        }
    }
}

extension HDF5Dataset {
    /// Writes the box `origin ..< origin + size` of the dataset from `bytes`:
    /// elements of `elementType` (the dataset's own type, so nothing is
    /// converted) in C order over `bufferShape`, of which the leading `size`
    /// corner is written (a Zarr edge chunk is stored whole, padding included).
    public func write(_ bytes: UnsafeRawBufferPointer, bufferShape: [Int], size: [Int], at origin: [Int],
                      elementType: HDF5ElementType) throws {
        silenceHDF5Errors()
        let shape = try shape()
        guard origin.count == shape.count, size.count == shape.count, bufferShape.count == shape.count,
              (0..<shape.count).allSatisfy({
                  origin[$0] >= 0 && size[$0] > 0 && size[$0] <= bufferShape[$0] && origin[$0] <= shape[$0] - size[$0]
              }),
              bufferShape.reduce(1, *) * elementType.size == bytes.count else {
            throw HDF5Error(file: file.path, "the region \(origin) + \(size) (a buffer of \(bufferShape)) does not fit "
                                             + "dataset \(path) of shape \(shape)")
        }
        let fileSpace = H5Dget_space(handle.id)
        guard fileSpace >= 0 else { throw HDF5Error(file: file.path, "cannot read the shape of \(path)") }
        defer { _ = H5Sclose(fileSpace) }
        let memorySpace = H5Screate_simple(Int32(bufferShape.count), bufferShape.map { hsize_t($0) }, nil)
        guard memorySpace >= 0 else { throw HDF5Error(file: file.path, "cannot describe a region of \(path)") }
        defer { _ = H5Sclose(memorySpace) }
        let zero = [hsize_t](repeating: 0, count: size.count)
        let extent = size.map { hsize_t($0) }
        guard H5Sselect_hyperslab(memorySpace, H5S_SELECT_SET, zero, nil, extent, nil) >= 0,
              H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, origin.map { hsize_t($0) }, nil, extent, nil) >= 0 else {
            throw HDF5Error(file: file.path, "cannot select the region \(origin) + \(size) of \(path)")
        }
        let type = try elementType.makeType(file: file.path)
        defer { _ = H5Tclose(type) }
        guard H5Dwrite(handle.id, type, memorySpace, fileSpace, pz_h5p_default(), bytes.baseAddress) >= 0 else {
            throw HDF5Error(file: file.path, "cannot write region \(origin) + \(size) of \(path)")
        }
    }
}
