// protobuf-c's declarations reach Swift through CCaffeProto too (its generated header
// includes protobuf-c.h), so both are imported wherever they are used.
import CCaffeProto
import CProtobufC

/// A protobuf text-format parser driven by the protobuf-c descriptors of our Caffe
/// schema: every field is looked up by name in its message type and its value
/// parsed by the field's type, so any field of any message parses, and a typo is
/// an error with its line and column.
///
/// Follows the text-format specification: `name: value` for scalars (colon
/// required), `name { … }` / `name: { … }` / `name < … >` for messages, repeated
/// fields by repetition or `[a, b]` lists, enums by name or number, adjacent
/// strings concatenated, optional `;` or `,` after a field. An optional field
/// given twice is an error, as in protobuf's own parser.
struct TextFormatParser {
    private var lexer: TextFormatLexer
    private var token: TextFormatLexer.Token
    private let path: String

    /// Caffe field names our schema renames (see caffe.proto): Caffe's name → ours.
    private static let renamedFields = ["base": "base_value"]

    /// Parses `text` as a message of type `type`; `path` names the file in errors.
    static func parse(_ text: String, as type: ProtoMessageType, path: String) throws -> ProtoMessage {
        var parser = try TextFormatParser(text, path: path)
        let message = try parser.parseFields(of: type, at: SourceLocation(line: 1, column: 1), closing: nil)
        return message
    }

    private init(_ text: String, path: String) throws {
        self.path = path
        lexer = TextFormatLexer(text, path: path)
        token = try lexer.next()
    }

    private mutating func advance() throws { token = try lexer.next() }

    private func error(_ message: String, at location: SourceLocation? = nil) -> PrototxtError {
        PrototxtError(path, location ?? token.location, message)
    }

    private func describe(_ token: TextFormatLexer.Token) -> String {
        switch token.kind {
        case .end: "end of file"
        case .string: "'\"\(token.text)\"'"
        default: "'\(token.text)'"
        }
    }

    private mutating func expectSymbol(_ symbol: String) throws {
        guard token.kind == .symbol, token.text == symbol else {
            throw error("expected '\(symbol)', found \(describe(token))")
        }
        try advance()
    }

    private func isSymbol(_ symbol: String) -> Bool { token.kind == .symbol && token.text == symbol }

    /// Fields until `closing` (or the end of the file for the root message).
    private mutating func parseFields(of type: ProtoMessageType, at location: SourceLocation,
                                      closing: String?) throws -> ProtoMessage {
        var message = ProtoMessage(type: type, location: location)
        while true {
            if let closing, isSymbol(closing) {
                try advance()
                return message
            }
            if token.kind == .end {
                if let closing { throw error("expected '\(closing)' to close the \(type.name) opened at \(location)") }
                return message
            }
            guard token.kind == .identifier else {
                throw error(isSymbol("[") ? "extensions and Any fields are not supported"
                                          : "expected a field name, found \(describe(token))")
            }
            let nameToken = token
            let name = TextFormatParser.renamedFields[nameToken.text].flatMap { type.field(named: $0) != nil ? $0 : nil }
                ?? nameToken.text
            guard let field = type.field(named: name) else {
                throw error("unknown field '\(nameToken.text)' in \(type.name)", at: nameToken.location)
            }
            try advance()
            if !field.isRepeated, message.has(name) {
                throw error("field '\(nameToken.text)' of \(type.name) is given more than once (first at "
                            + "\(message.location(of: name)!))", at: nameToken.location)
            }
            try parseValues(of: field, into: &message, at: nameToken.location)
            if isSymbol(";") || isSymbol(",") { try advance() }
        }
    }

    private mutating func parseValues(of field: ProtoField, into message: inout ProtoMessage,
                                      at location: SourceLocation) throws {
        if field.isMessage {
            if isSymbol(":") { try advance() }
            if isSymbol("[") {
                try parseList(of: field, into: &message, at: location)
            } else {
                message.append(field.name, try parseMessageValue(of: field, at: location), at: location)
            }
            return
        }
        guard isSymbol(":") else {
            throw error("expected ':' after '\(field.name)', found \(describe(token))")
        }
        try advance()
        if isSymbol("[") {
            try parseList(of: field, into: &message, at: location)
        } else {
            message.append(field.name, try parseScalar(of: field), at: location)
        }
    }

    private mutating func parseList(of field: ProtoField, into message: inout ProtoMessage,
                                    at location: SourceLocation) throws {
        guard field.isRepeated else { throw error("'\(field.name)' is not a repeated field; a [list] is not allowed") }
        try advance()
        if isSymbol("]") {
            try advance()
            return
        }
        while true {
            let value = field.isMessage ? try parseMessageValue(of: field, at: token.location) : try parseScalar(of: field)
            message.append(field.name, value, at: location)
            if isSymbol("]") {
                try advance()
                return
            }
            try expectSymbol(",")
        }
    }

    private mutating func parseMessageValue(of field: ProtoField, at location: SourceLocation) throws -> ProtoValue {
        let closing: String
        if isSymbol("{") {
            closing = "}"
        } else if isSymbol("<") {
            closing = ">"
        } else {
            throw error("expected '{' to open '\(field.name)', found \(describe(token))")
        }
        try advance()
        return .message(try parseFields(of: field.messageType!, at: location, closing: closing))
    }

    private mutating func parseScalar(of field: ProtoField) throws -> ProtoValue {
        let location = token.location
        var negative = false
        if isSymbol("-") {
            negative = true
            try advance()
        }
        let text = token.text
        let kind = token.kind
        switch field.type {
        case PROTOBUF_C_TYPE_STRING, PROTOBUF_C_TYPE_BYTES:
            guard kind == .string, !negative else { throw error("'\(field.name)' takes a quoted string", at: location) }
            var value = ""
            while token.kind == .string {
                value += token.text
                try advance()
            }
            return .string(value)
        case PROTOBUF_C_TYPE_FLOAT, PROTOBUF_C_TYPE_DOUBLE:
            try advance()
            guard let value = TextFormatParser.real(text, kind: kind) else {
                throw error("'\(field.name)' takes a number, found '\(text)'", at: location)
            }
            return .real(negative ? -value : value)
        case PROTOBUF_C_TYPE_BOOL:
            try advance()
            switch (kind, text) {
            case (.identifier, "true"), (.identifier, "True"), (.identifier, "t"), (.number, "1"): return .boolean(true)
            case (.identifier, "false"), (.identifier, "False"), (.identifier, "f"), (.number, "0"): return .boolean(false)
            default: throw error("'\(field.name)' takes true or false, found '\(text)'", at: location)
            }
        case PROTOBUF_C_TYPE_ENUM:
            try advance()
            if kind == .identifier, !negative {
                guard let number = field.enumValue(named: text) else {
                    throw error("'\(text)' is not a value of '\(field.name)'", at: location)
                }
                return .enumeration(name: text, number: number)
            }
            guard kind == .number, let magnitude = TextFormatParser.integer(text),
                  let number = Int32(exactly: negative ? -magnitude : magnitude), let name = field.enumName(of: number) else {
                throw error("'\(negative ? "-" : "")\(text)' is not a value of '\(field.name)'", at: location)
            }
            return .enumeration(name: name, number: number)
        default:
            try advance()
            guard kind == .number, let magnitude = TextFormatParser.integer(text) else {
                throw error("'\(field.name)' takes an integer, found '\(negative ? "-" : "")\(text)'", at: location)
            }
            let value = negative ? -magnitude : magnitude
            guard TextFormatParser.range(of: field.type).contains(value) else {
                throw error("\(negative ? "-" : "")\(text) is out of range for '\(field.name)'", at: location)
            }
            return .integer(Int64(value))
        }
    }

    /// Decimal, hex (0x) or octal (leading 0) integers.
    static func integer(_ text: String) -> Int? {
        let lower = text.lowercased()
        if lower.hasPrefix("0x") { return Int(lower.dropFirst(2), radix: 16) }
        if lower.count > 1, lower.hasPrefix("0") { return Int(lower.dropFirst(), radix: 8) }
        return Int(lower, radix: 10)
    }

    /// Floats: decimal with optional exponent and f suffix, integers, inf/infinity/nan.
    static func real(_ text: String, kind: TextFormatLexer.Kind) -> Double? {
        let lower = text.lowercased()
        if kind == .identifier {
            switch lower {
            case "inf", "infinity": return .infinity
            case "nan": return .nan
            default: return nil
            }
        }
        guard kind == .number else { return nil }
        if lower.hasPrefix("0x") { return integer(lower).map(Double.init) }
        let body = lower.hasSuffix("f") ? String(lower.dropLast()) : lower
        return Double(body)
    }

    private static func range(of type: ProtobufCType) -> ClosedRange<Int> {
        switch type {
        case PROTOBUF_C_TYPE_INT32, PROTOBUF_C_TYPE_SINT32, PROTOBUF_C_TYPE_SFIXED32: Int(Int32.min)...Int(Int32.max)
        case PROTOBUF_C_TYPE_UINT32, PROTOBUF_C_TYPE_FIXED32: 0...Int(UInt32.max)
        case PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_TYPE_FIXED64: 0...Int.max
        default: Int.min...Int.max
        }
    }
}
