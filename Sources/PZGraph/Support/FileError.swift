/// A file that cannot be read or written as asked (a model, a patch); printed as
/// one line that names the file, then the problem.
public struct FileError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let message: String

    public init(_ path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
