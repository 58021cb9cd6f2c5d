/// A reference run that cannot start: an input is missing or has the wrong shape.
public struct ReferenceError: Error, CustomStringConvertible, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
