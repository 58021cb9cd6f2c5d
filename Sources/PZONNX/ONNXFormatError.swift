/// An ONNX file that cannot be read or written: one line naming the file and,
/// where there is one, the node, tensor or field at fault.
public struct ONNXFormatError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) { self.description = description }
}
