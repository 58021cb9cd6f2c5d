/// Where a patch (a model input or output) lives, chosen by the file name:
/// `x.bin` (raw little-endian float32, C order, no header), `x.npy`, or
/// `x.h5:/group/dataset` (`.hdf5` too).
public enum PatchLocation: Equatable, Sendable, CustomStringConvertible {
    case raw(path: String)
    case npy(path: String)
    case hdf5(path: String, dataset: String)

    public init(_ specification: String) throws {
        if let colon = specification.range(of: ":/", options: .backwards) {
            let file = String(specification[..<colon.lowerBound])
            let dataset = String(specification[specification.index(after: colon.lowerBound)...])
            guard file.hasSuffix(".h5") || file.hasSuffix(".hdf5") else {
                throw PatchError(file, "a dataset path (':/name') needs an .h5 or .hdf5 file")
            }
            guard dataset.count > 1 else { throw PatchError(file, "empty HDF5 dataset path") }
            self = .hdf5(path: file, dataset: dataset)
        } else if specification.hasSuffix(".bin") || specification.hasSuffix(".raw") {
            self = .raw(path: specification)
        } else if specification.hasSuffix(".npy") {
            self = .npy(path: specification)
        } else if specification.hasSuffix(".h5") || specification.hasSuffix(".hdf5") {
            throw PatchError(specification, "name the dataset: \(specification):/dataset")
        } else {
            throw PatchError(specification, "unknown patch format (use .bin, .npy or file.h5:/dataset)")
        }
    }

    /// The file part.
    public var path: String {
        switch self {
        case .raw(let path), .npy(let path), .hdf5(let path, _): path
        }
    }

    public var description: String {
        switch self {
        case .raw(let path), .npy(let path): path
        case .hdf5(let path, let dataset): "\(path):\(dataset)"
        }
    }
}
