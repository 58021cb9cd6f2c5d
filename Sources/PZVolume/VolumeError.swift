/// A volume, tiling or output problem; printed as one line. Errors about a file
/// start with its path.
public struct VolumeError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) { self.description = description }

    /// An error about `path`: "path: problem".
    public init(_ path: String, _ problem: String) { self.description = "\(path): \(problem)" }
}
