import PZPatchIO

extension FuzzTarget {
    /// A NumPy `.npy` file: header dictionary, dtype, shape and data; an array
    /// that decodes is encoded again.
    public static let npy = FuzzTarget(name: "npy", summary: ".npy bytes: decoded, re-encoded") { bytes in
        guard let (shape, values) = try? NPYFile.decode(bytes, path: "fuzz.npy") else { return }
        _ = NPYFile.encode(shape: shape, values: values)
    }
}
