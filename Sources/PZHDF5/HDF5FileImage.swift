import Foundation

/// HDF5 files held in memory (file images): `HDF5File(image:name:)` opens them.
extension HDF5File {
    /// The 8-byte format signature that starts an HDF5 superblock.
    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Whether `bytes` are an HDF5 file: the signature at offset 0, 512, 1024,
    /// 2048, … (where a user block ends), as `H5Fis_hdf5` checks a file.
    public static func isHDF5(bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset <= bytes.count - signature.count {
            if bytes[offset..<(offset + signature.count)].elementsEqual(signature) { return true }
            offset = offset == 0 ? 512 : offset * 2
        }
        return false
    }

    /// The first damaged global heap collection of the file at `path` (see
    /// `HDF5GlobalHeapCheck`), or nil; nil too when the file cannot be mapped
    /// (opening it then fails by name).
    static func globalHeapProblem(path: String) -> String? {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return nil }
        return data.withUnsafeBytes(HDF5GlobalHeapCheck.problem)
    }

    /// A name for HDF5 to know an image by while it is open: unique, so that two
    /// open images are never taken for one file, and not the name of a file.
    static func uniqueImageName() -> String {
        "pzconv-hdf5-image-\(UUID().uuidString)"
    }
}
