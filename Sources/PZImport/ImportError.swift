/// A source model that cannot be imported. One line, naming the file and, where
/// there is one, the layer and field at fault.
public struct ImportError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) { self.description = description }
}
