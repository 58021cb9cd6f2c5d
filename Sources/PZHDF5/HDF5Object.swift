import CHDF5

/// A group or a dataset: an object in an open file that attributes hang on.
protocol HDF5Object {
    var file: HDF5File { get }
    /// The object's absolute path inside the file.
    var path: String { get }
    var handle: HDF5Handle { get }
}

extension HDF5Group: HDF5Object {}
extension HDF5Dataset: HDF5Object {}

extension HDF5Dataset {
    /// Whether the dataset carries an attribute called `name`.
    public func hasAttribute(_ name: String) -> Bool {
        silenceHDF5Errors()
        return H5Aexists(handle.id, name) > 0
    }

    /// Reads a string attribute of the dataset that holds exactly one string.
    public func stringAttribute(_ name: String) throws -> String {
        silenceHDF5Errors()
        let values = try HDF5Attribute(group: self, name: name).readStrings()
        guard values.count == 1 else {
            throw HDF5Error(file: file.path, "attribute \(name) of \(path) holds \(values.count) strings, expected 1")
        }
        return values[0]
    }

    /// Writes a scalar variable-length UTF-8 string attribute (what h5py writes for `str`).
    public func writeStringAttribute(_ name: String, _ value: String) throws {
        try HDF5Attribute.write(group: self, name: name, values: [value], fixedLength: false, asArray: false)
    }
}
