/// Bounds how deeply an ONNX file nests its recursive messages, before
/// libprotobuf-c unpacks it: protobuf-c recurses once per nested message and has
/// no limit of its own, so a small file of graphs inside attributes inside graphs
/// would otherwise overflow the stack.
///
/// The walk follows the wire format and only the fields of `onnx.proto` through
/// which a message can contain itself (graph → node → attribute → graph,
/// value info → type → sequence → type, functions, training info); it skips every
/// other field. Malformed wire data ends the walk quietly: the unpacker reports it.
enum ONNXNestingCheck {
    /// Deeper than any real model (a graph in an If node's branch is depth ~4).
    static let maximumDepth = 48

    private enum Kind {
        case model, graph, node, attribute, valueInfo, type, typeElement, trainingInfo, function
    }

    /// The message kind of each recursive field, by containing kind and field number.
    private static func child(of kind: Kind, field: UInt64) -> Kind? {
        switch (kind, field) {
        case (.model, 7): .graph
        case (.model, 20): .trainingInfo
        case (.model, 25): .function
        case (.trainingInfo, 1), (.trainingInfo, 2): .graph
        case (.function, 7): .node
        case (.function, 11): .attribute
        case (.function, 12): .valueInfo
        case (.graph, 1): .node
        case (.graph, 11), (.graph, 12), (.graph, 13): .valueInfo
        case (.node, 5): .attribute
        case (.attribute, 6), (.attribute, 11): .graph
        case (.attribute, 14), (.attribute, 15): .type
        case (.valueInfo, 2): .type
        case (.type, 4), (.type, 5), (.type, 9): .typeElement
        case (.typeElement, 1), (.typeElement, 2): .type
        default: nil
        }
    }

    /// The deepest nesting of recursive messages in a `ModelProto` (1 for the
    /// model itself), stopping early once it passes `maximumDepth`.
    static func depth(of bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { depth(in: $0[...], kind: .model, level: 1) }
    }

    private static func depth(in bytes: Slice<UnsafeBufferPointer<UInt8>>, kind: Kind, level: Int) -> Int {
        guard level <= maximumDepth else { return level }
        var deepest = level
        var position = bytes.startIndex
        func varint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while position < bytes.endIndex, shift < 64 {
                let byte = bytes[position]
                position += 1
                value |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }
        while position < bytes.endIndex {
            guard let key = varint() else { break }
            let field = key >> 3
            switch key & 7 {
            case 0: guard varint() != nil else { return deepest }
            case 1: position += 8
            case 5: position += 4
            case 2:
                guard let length = varint(), length <= UInt64(bytes.endIndex - position) else { return deepest }
                let end = position + Int(length)
                if let childKind = child(of: kind, field: field) {
                    deepest = max(deepest, depth(in: bytes[position..<end], kind: childKind, level: level + 1))
                    if deepest > maximumDepth { return deepest }
                }
                position = end
            default: return deepest
            }
        }
        return deepest
    }
}
