/// A position in a prototxt, 1-based.
struct SourceLocation: Equatable, Sendable, CustomStringConvertible {
    var line: Int
    var column: Int

    var description: String { "line \(line), column \(column)" }
}

/// A field value of a parsed text-format message.
enum ProtoValue: Equatable {
    case integer(Int64)
    case real(Double)
    case boolean(Bool)
    case string(String)
    case enumeration(name: String, number: Int32)
    indirect case message(ProtoMessage)
}

/// A message parsed from protobuf text format, checked against its schema: every
/// field exists in the message type with the right value type, optional fields
/// appear at most once. Absent fields read as the schema's defaults.
struct ProtoMessage: Equatable {
    let type: ProtoMessageType
    /// Where the message starts (its field name, or the file start for the root).
    let location: SourceLocation
    /// Fields in file order, with where each value was written.
    private(set) var entries: [(name: String, value: ProtoValue, location: SourceLocation)] = []

    init(type: ProtoMessageType, location: SourceLocation) {
        self.type = type
        self.location = location
    }

    static func == (lhs: ProtoMessage, rhs: ProtoMessage) -> Bool {
        lhs.type == rhs.type && lhs.entries.map(\.name) == rhs.entries.map(\.name)
            && lhs.entries.map(\.value) == rhs.entries.map(\.value)
    }

    mutating func append(_ name: String, _ value: ProtoValue, at location: SourceLocation) {
        entries.append((name, value, location))
    }

    /// Whether the field was written.
    func has(_ name: String) -> Bool { entries.contains { $0.name == name } }

    /// All values written for a field, in order.
    func values(_ name: String) -> [ProtoValue] { entries.filter { $0.name == name }.map(\.value) }

    /// Where the field was first written.
    func location(of name: String) -> SourceLocation? { entries.first { $0.name == name }?.location }

    /// The value of a singular field: the last written, else the schema default.
    func value(_ name: String) -> ProtoValue {
        if let last = entries.last(where: { $0.name == name }) { return last.value }
        return type.field(named: name)?.defaultValue ?? .string("")
    }

    func integer(_ name: String) -> Int {
        if case .integer(let value) = value(name) { return Int(clamping: value) }
        return 0
    }

    func integers(_ name: String) -> [Int] {
        values(name).compactMap { if case .integer(let value) = $0 { Int(clamping: value) } else { nil } }
    }

    func real(_ name: String) -> Double {
        switch value(name) {
        case .real(let value): value
        case .integer(let value): Double(value)
        default: 0
        }
    }

    func reals(_ name: String) -> [Double] {
        values(name).compactMap {
            switch $0 {
            case .real(let value): value
            case .integer(let value): Double(value)
            default: nil
            }
        }
    }

    func boolean(_ name: String) -> Bool {
        if case .boolean(let value) = value(name) { return value }
        return false
    }

    func string(_ name: String) -> String {
        if case .string(let value) = value(name) { return value }
        return ""
    }

    func strings(_ name: String) -> [String] {
        values(name).compactMap { if case .string(let value) = $0 { value } else { nil } }
    }

    /// The enum value's name (`"MAX"`), the default when absent.
    func enumName(_ name: String) -> String {
        if case .enumeration(let enumName, _) = value(name) { return enumName }
        return ""
    }

    /// A singular sub-message; an empty message (all defaults) when absent.
    func message(_ name: String) -> ProtoMessage {
        if case .message(let message) = value(name) { return message }
        let subtype = type.field(named: name)?.messageType ?? type
        return ProtoMessage(type: subtype, location: location)
    }

    func messages(_ name: String) -> [ProtoMessage] {
        values(name).compactMap { if case .message(let message) = $0 { message } else { nil } }
    }
}
