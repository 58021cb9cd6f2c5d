import CHDF5

/// A group inside an open HDF5 file. Keeps its file open while it lives.
public struct HDF5Group {
    public let file: HDF5File
    /// The group's absolute path inside the file, e.g. `/model_weights/conv1`.
    public let path: String
    let handle: HDF5Handle

    init(file: HDF5File, openingPath path: String) throws {
        silenceHDF5Errors()
        self.file = file
        self.path = path
        let id = H5Gopen2(file.handle.id, path, file.groupAccess.id)
        guard id >= 0 else { throw HDF5Error(file: file.path, "no group \(path)") }
        handle = HDF5Handle(id, close: H5Gclose)
    }

    /// The absolute path of a child given by a relative path (which may contain `/`).
    public func childPath(_ name: String) -> String {
        path == "/" ? "/" + name : path + "/" + name
    }

    /// Whether a link exists at the relative `name` (which may contain `/`);
    /// each intermediate component is checked so a missing parent is not an error.
    /// An external link counts as existing (opening through it then fails by name).
    public func hasLink(_ name: String) -> Bool {
        walkLinks(name).exists
    }

    /// Walks the components of `name`: whether each exists, and the first one that
    /// is an external link (pzconv never follows those), relative to this group.
    private func walkLinks(_ name: String) -> (exists: Bool, externalLink: String?) {
        silenceHDF5Errors()
        var prefix = ""
        for component in name.split(separator: "/", omittingEmptySubsequences: true) {
            prefix = prefix.isEmpty ? String(component) : prefix + "/" + component
            if H5Lexists(handle.id, prefix, file.linkAccess.id) <= 0 { return (false, nil) }
            if pz_h5l_is_external(handle.id, prefix, file.linkAccess.id) != 0 { return (true, prefix) }
        }
        return (!prefix.isEmpty, nil)
    }

    /// Throws when a component of `name` is an external link.
    private func refuseExternalLinks(_ name: String) throws {
        if let external = walkLinks(name).externalLink {
            throw HDF5Error(file: file.path, "\(childPath(external)) is an external link to another file; pzconv reads only "
                                             + "self-contained HDF5 files")
        }
    }

    /// Whether the object at relative `name` exists and is a group (or is reached
    /// through an external link, which `group(_:)` then refuses by name).
    public func hasGroup(_ name: String) -> Bool { objectKind(name) == H5I_GROUP || walkLinks(name).externalLink != nil }

    /// Whether the object at relative `name` exists and is a dataset (or is reached
    /// through an external link, which `dataset(_:)` then refuses by name).
    public func hasDataset(_ name: String) -> Bool { objectKind(name) == H5I_DATASET || walkLinks(name).externalLink != nil }

    /// The kind of object at relative `name` (H5Oopen + H5Iget_type: stable across
    /// HDF5 1.10 to 1.14, unlike the versioned H5Oget_info calls).
    private func objectKind(_ name: String) -> H5I_type_t? {
        guard hasLink(name) else { return nil }
        let id = H5Oopen(handle.id, name, file.linkAccess.id)
        guard id >= 0 else { return nil }
        defer { _ = H5Oclose(id) }
        return H5Iget_type(id)
    }

    /// Opens the child group at relative `name`.
    public func group(_ name: String) throws -> HDF5Group {
        silenceHDF5Errors()
        try refuseExternalLinks(name)
        guard hasGroup(name) else {
            throw HDF5Error(file: file.path, "no group \(childPath(name))")
        }
        return try HDF5Group(file: file, openingPath: childPath(name))
    }

    /// Opens the dataset at relative `name`.
    public func dataset(_ name: String) throws -> HDF5Dataset {
        silenceHDF5Errors()
        try refuseExternalLinks(name)
        guard hasDataset(name) else {
            throw HDF5Error(file: file.path, "no dataset \(childPath(name))")
        }
        return try HDF5Dataset(file: file, openingPath: childPath(name))
    }

    /// Names of the group's direct children, in the library's name order.
    public func childNames() throws -> [String] {
        silenceHDF5Errors()
        var info = H5G_info_t()
        guard H5Gget_info(handle.id, &info) >= 0 else {
            throw HDF5Error(file: file.path, "cannot list group \(path)")
        }
        var names: [String] = []
        for index in 0..<info.nlinks {
            let length = H5Lget_name_by_idx(handle.id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0,
                                            pz_h5p_default())
            guard length >= 0 else { throw HDF5Error(file: file.path, "cannot list group \(path)") }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            _ = H5Lget_name_by_idx(handle.id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count,
                                   pz_h5p_default())
            names.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    // MARK: Attributes

    /// Whether the group carries an attribute called `name`.
    public func hasAttribute(_ name: String) -> Bool { H5Aexists(handle.id, name) > 0 }

    /// Reads a string attribute as a list of strings, whichever way it was stored:
    /// a scalar or a 1-D array; variable-length or fixed-length; ASCII or UTF-8.
    /// Trailing NULs of fixed-length strings are removed. An attribute that is an
    /// empty array of any type (Keras writes `weight_names` of weightless layers
    /// that way) reads as `[]`.
    public func stringsAttribute(_ name: String) throws -> [String] {
        silenceHDF5Errors()
        return try HDF5Attribute(group: self, name: name).readStrings()
    }

    /// Reads a string attribute that must hold exactly one string.
    public func stringAttribute(_ name: String) throws -> String {
        silenceHDF5Errors()
        let values = try stringsAttribute(name)
        guard values.count == 1 else {
            throw HDF5Error(file: file.path, "attribute \(name) of \(path) holds \(values.count) strings, expected 1")
        }
        return values[0]
    }

    // MARK: Writing

    /// Creates a child group (and any missing intermediate groups).
    @discardableResult
    public func createGroup(_ name: String) throws -> HDF5Group {
        silenceHDF5Errors()
        let linkProperties = try makeLinkCreationProperties()
        let id = H5Gcreate2(handle.id, name, linkProperties.id, pz_h5p_default(), pz_h5p_default())
        guard id >= 0 else { throw HDF5Error(file: file.path, "cannot create group \(childPath(name))") }
        _ = H5Gclose(id)
        return try HDF5Group(file: file, openingPath: childPath(name))
    }

    /// Writes a little-endian float32 dataset of the given C-order shape
    /// (intermediate groups are created).
    public func writeDataset(_ name: String, shape: [Int], values: [Float]) throws {
        silenceHDF5Errors()
        guard shape.reduce(1, *) == values.count, shape.allSatisfy({ $0 >= 0 }) else {
            throw HDF5Error(file: file.path, "dataset \(childPath(name)): \(values.count) values do not fill shape \(shape)")
        }
        let dims = shape.map { hsize_t($0) }
        let space = H5Screate_simple(Int32(dims.count), dims, nil)
        guard space >= 0 else { throw HDF5Error(file: file.path, "cannot create dataspace for \(childPath(name))") }
        defer { _ = H5Sclose(space) }
        let linkProperties = try makeLinkCreationProperties()
        let dataset = H5Dcreate2(handle.id, name, pz_h5t_ieee_f32le(), space, linkProperties.id,
                                 pz_h5p_default(), pz_h5p_default())
        guard dataset >= 0 else { throw HDF5Error(file: file.path, "cannot create dataset \(childPath(name))") }
        defer { _ = H5Dclose(dataset) }
        let status = values.withUnsafeBufferPointer {
            H5Dwrite(dataset, pz_h5t_native_float(), pz_h5s_all(), pz_h5s_all(), pz_h5p_default(), $0.baseAddress)
        }
        guard status >= 0 else { throw HDF5Error(file: file.path, "cannot write dataset \(childPath(name))") }
    }

    /// Writes a string attribute: variable-length UTF-8 (what h5py writes for
    /// `str`) or a fixed-length array (what Keras' name lists become).
    /// A single value with `asArray == false` is written as a scalar.
    public func writeStringAttribute(_ name: String, _ values: [String], fixedLength: Bool = false,
                                     asArray: Bool = true) throws {
        try HDF5Attribute.write(group: self, name: name, values: values, fixedLength: fixedLength,
                                asArray: asArray)
    }

    private func makeLinkCreationProperties() throws -> HDF5Handle {
        let id = H5Pcreate(pz_h5p_link_create())
        guard id >= 0, H5Pset_create_intermediate_group(id, 1) >= 0 else {
            throw HDF5Error(file: file.path, "cannot create link properties")
        }
        return HDF5Handle(id, close: H5Pclose)
    }
}
