import CHDF5
import PZGraph

/// Reads and writes string attributes in every encoding HDF5 writers use:
/// variable-length or fixed-length, ASCII or UTF-8, scalar or 1-D.
struct HDF5Attribute {
    let group: HDF5Object
    let name: String
    let handle: HDF5Handle

    private var where_: String { "attribute \(name) of \(group.path)" }

    init(group: HDF5Object, name: String) throws {
        silenceHDF5Errors()
        guard H5Aexists(group.handle.id, name) > 0 else {
            throw HDF5Error(file: group.file.path, "no attribute \(name) on \(group.path)")
        }
        self.group = group
        self.name = name
        let id = H5Aopen(group.handle.id, name, pz_h5p_default())
        guard id >= 0 else { throw HDF5Error(file: group.file.path, "cannot open attribute \(name) of \(group.path)") }
        handle = HDF5Handle(id, close: H5Aclose)
    }

    func readStrings() throws -> [String] {
        silenceHDF5Errors()
        let file = group.file.path
        let space = H5Aget_space(handle.id)
        guard space >= 0 else { throw HDF5Error(file: file, "cannot read \(where_)") }
        defer { _ = H5Sclose(space) }
        let count = Int(H5Sget_simple_extent_npoints(space))
        guard count >= 0, count <= HDF5Dataset.maximumElementCount else {
            throw HDF5Error(file: file, "cannot read \(where_): bad extent")
        }
        let fileType = H5Aget_type(handle.id)
        guard fileType >= 0 else { throw HDF5Error(file: file, "cannot read the type of \(where_)") }
        defer { _ = H5Tclose(fileType) }
        if count == 0 { return [] }
        guard H5Tget_class(fileType) == H5T_STRING else {
            throw HDF5Error(file: file, "\(where_) is not a string")
        }
        return H5Tis_variable_str(fileType) > 0
            ? try readVariableLength(count: count, fileType: fileType, space: space)
            : try readFixedLength(count: count, fileType: fileType)
    }

    private func readVariableLength(count: Int, fileType: hid_t, space: hid_t) throws -> [String] {
        let memoryType = H5Tcopy(pz_h5t_c_s1())
        defer { _ = H5Tclose(memoryType) }
        _ = H5Tset_size(memoryType, pz_h5t_variable())
        _ = H5Tset_cset(memoryType, H5Tget_cset(fileType))
        try checkMemory([count, MemoryLayout<UnsafeMutablePointer<CChar>?>.size].saturatingElementCount)
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        guard H5Aread(handle.id, memoryType, &pointers) >= 0 else {
            throw HDF5Error(file: group.file.path, "cannot read \(where_)")
        }
        defer { _ = H5Dvlen_reclaim(memoryType, space, pz_h5p_default(), &pointers) }
        return pointers.map { pointer in pointer.map { String(cString: $0) } ?? "" }
    }

    private func readFixedLength(count: Int, fileType: hid_t) throws -> [String] {
        let width = H5Tget_size(fileType)
        guard width > 0, width <= 1 << 24 else { throw HDF5Error(file: group.file.path, "\(where_) has a bad string size") }
        let memoryType = H5Tcopy(pz_h5t_c_s1())
        defer { _ = H5Tclose(memoryType) }
        _ = H5Tset_size(memoryType, width)
        _ = H5Tset_cset(memoryType, H5Tget_cset(fileType))
        _ = H5Tset_strpad(memoryType, H5T_STR_NULLPAD)
        try checkMemory([count, width].saturatingElementCount)
        var bytes = [UInt8](repeating: 0, count: count * width)
        guard H5Aread(handle.id, memoryType, &bytes) >= 0 else {
            throw HDF5Error(file: group.file.path, "cannot read \(where_)")
        }
        return (0..<count).map { index in
            var slice = bytes[(index * width)..<((index + 1) * width)]
            while let last = slice.last, last == 0 || last == 0x20 { slice = slice.dropLast() }
            return String(decoding: slice, as: UTF8.self)
        }
    }

    /// Throws unless `bytes` (saturated at `Int.max`) fit the file's memory limit:
    /// a damaged file may give a string attribute any extent.
    private func checkMemory(_ bytes: Int) throws {
        do {
            try group.file.memoryLimit.check(bytes, for: "the values of \(where_)")
        } catch {
            throw HDF5Error(file: group.file.path, "\(error)")
        }
    }

    static func write(group: HDF5Object, name: String, values: [String], fixedLength: Bool, asArray: Bool) throws {
        silenceHDF5Errors()
        let file = group.file.path
        let dims = [hsize_t(values.count)]
        let space = asArray ? H5Screate_simple(1, dims, nil) : H5Screate(H5S_SCALAR)
        guard space >= 0, asArray || values.count == 1 else {
            throw HDF5Error(file: file, "cannot write attribute \(name): a scalar needs exactly one value")
        }
        defer { _ = H5Sclose(space) }
        let type = H5Tcopy(pz_h5t_c_s1())
        defer { _ = H5Tclose(type) }
        _ = H5Tset_cset(type, H5T_CSET_UTF8)
        let encoded = values.map { Array($0.utf8) }
        if fixedLength {
            let width = max(1, encoded.map(\.count).max() ?? 1)
            _ = H5Tset_size(type, width)
            _ = H5Tset_strpad(type, H5T_STR_NULLPAD)
            var bytes = [UInt8](repeating: 0, count: width * values.count)
            for (index, value) in encoded.enumerated() {
                bytes.replaceSubrange((index * width)..<(index * width + value.count), with: value)
            }
            try create(group: group, name: name, type: type, space: space) { attribute in
                H5Awrite(attribute, type, bytes)
            }
        } else {
            _ = H5Tset_size(type, pz_h5t_variable())
            let cStrings = encoded.map { bytes -> UnsafeMutablePointer<CChar> in
                let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
                for (index, byte) in bytes.enumerated() { buffer[index] = CChar(bitPattern: byte) }
                buffer[bytes.count] = 0
                return buffer
            }
            defer { cStrings.forEach { $0.deallocate() } }
            var pointers: [UnsafeMutablePointer<CChar>?] = cStrings
            try create(group: group, name: name, type: type, space: space) { attribute in
                H5Awrite(attribute, type, &pointers)
            }
        }
    }

    private static func create(group: HDF5Object, name: String, type: hid_t, space: hid_t,
                               write: (hid_t) -> herr_t) throws {
        let attribute = H5Acreate2(group.handle.id, name, type, space, pz_h5p_default(), pz_h5p_default())
        guard attribute >= 0 else {
            throw HDF5Error(file: group.file.path, "cannot create attribute \(name) on \(group.path)")
        }
        defer { _ = H5Aclose(attribute) }
        guard write(attribute) >= 0 else {
            throw HDF5Error(file: group.file.path, "cannot write attribute \(name) on \(group.path)")
        }
    }
}
