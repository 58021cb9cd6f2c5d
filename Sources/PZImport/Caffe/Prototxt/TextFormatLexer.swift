/// Splits protobuf text format into tokens, tracking line and column.
///
/// Token kinds: identifiers (`layer`, `MAX`, `true`, `inf`), numbers (`3`, `-` is
/// separate, `1e-5`, `0x1F`, `2.5f`), strings (`"…"` or `'…'`, escapes decoded)
/// and the symbols `{ } < > [ ] : , ; -`. `#` starts a comment to the end of the line.
struct TextFormatLexer {
    enum Kind: Equatable {
        case identifier
        case number
        case string
        case symbol
        case end
    }

    struct Token: Equatable {
        var kind: Kind
        var text: String
        var location: SourceLocation
    }

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    let path: String

    init(_ text: String, path: String) {
        bytes = Array(text.utf8)
        self.path = path
    }

    private var location: SourceLocation { SourceLocation(line: line, column: index - lineStart + 1) }

    mutating func next() throws -> Token {
        skipSpaceAndComments()
        let start = location
        guard index < bytes.count else { return Token(kind: .end, text: "", location: start) }
        let byte = bytes[index]
        if Self.isIdentifierStart(byte) {
            return Token(kind: .identifier, text: take(while: Self.isIdentifierPart), location: start)
        }
        if Self.isDigit(byte) || (byte == UInt8(ascii: ".") && index + 1 < bytes.count && Self.isDigit(bytes[index + 1])) {
            return Token(kind: .number, text: takeNumber(), location: start)
        }
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
            return Token(kind: .string, text: try takeString(quote: byte, start: start), location: start)
        }
        if "{}<>[]:,;-".utf8.contains(byte) {
            index += 1
            return Token(kind: .symbol, text: String(UnicodeScalar(byte)), location: start)
        }
        throw PrototxtError(path, start, "unexpected character '\(String(decoding: [byte], as: UTF8.self))'")
    }

    private mutating func skipSpaceAndComments() {
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "#") {
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
            } else if byte == UInt8(ascii: "\n") {
                index += 1
                line += 1
                lineStart = index
            } else if byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0B || byte == 0x0C {
                index += 1
            } else {
                return
            }
        }
    }

    private mutating func take(while predicate: (UInt8) -> Bool) -> String {
        let start = index
        while index < bytes.count, predicate(bytes[index]) { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// Digits, letters and dots, plus a sign right after the exponent of a decimal.
    private mutating func takeNumber() -> String {
        let start = index
        let isHex = bytes[index] == UInt8(ascii: "0") && index + 1 < bytes.count
            && (bytes[index + 1] | 0x20) == UInt8(ascii: "x")
        while index < bytes.count {
            let byte = bytes[index]
            if Self.isIdentifierPart(byte) || byte == UInt8(ascii: ".") {
                index += 1
            } else if !isHex, byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+"),
                      (bytes[index - 1] | 0x20) == UInt8(ascii: "e") {
                index += 1
            } else {
                break
            }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func takeString(quote: UInt8, start: SourceLocation) throws -> String {
        index += 1
        var decoded: [UInt8] = []
        while true {
            guard index < bytes.count, bytes[index] != UInt8(ascii: "\n") else {
                throw PrototxtError(path, start, "unterminated string")
            }
            let byte = bytes[index]
            index += 1
            if byte == quote { break }
            guard byte == UInt8(ascii: "\\") else {
                decoded.append(byte)
                continue
            }
            guard index < bytes.count else { throw PrototxtError(path, start, "unterminated string") }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "a"): decoded.append(0x07)
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "v"): decoded.append(0x0B)
            case UInt8(ascii: "?"), UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): decoded.append(escape)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = Int(escape - UInt8(ascii: "0"))
                for _ in 0..<2 where index < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(bytes[index]) {
                    value = value * 8 + Int(bytes[index] - UInt8(ascii: "0"))
                    index += 1
                }
                guard value <= 255 else { throw PrototxtError(path, start, "octal escape out of range") }
                decoded.append(UInt8(value))
            case UInt8(ascii: "x"):
                let value = takeHexDigits(maximum: 2)
                guard let value else { throw PrototxtError(path, start, "\\x escape without hex digits") }
                decoded.append(UInt8(value))
            case UInt8(ascii: "u"), UInt8(ascii: "U"):
                let count = escape == UInt8(ascii: "u") ? 4 : 8
                guard let value = takeHexDigits(maximum: count, exactly: true),
                      let scalar = UnicodeScalar(UInt32(value)) else {
                    throw PrototxtError(path, start, "invalid \\\(String(UnicodeScalar(escape))) escape")
                }
                decoded.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                throw PrototxtError(path, start, "invalid escape '\\\(String(UnicodeScalar(escape)))'")
            }
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    private mutating func takeHexDigits(maximum: Int, exactly: Bool = false) -> Int? {
        var value = 0
        var count = 0
        while count < maximum, index < bytes.count, let digit = Self.hexValue(bytes[index]) {
            value = value * 16 + digit
            index += 1
            count += 1
        }
        return count == 0 || (exactly && count != maximum) ? nil : value
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || byte == UInt8(ascii: "_")
    }

    private static func isIdentifierPart(_ byte: UInt8) -> Bool { Self.isIdentifierStart(byte) || Self.isDigit(byte) }
}

/// A prototxt that cannot be parsed or is not a valid Caffe net description:
/// `file:line:column: message`.
struct PrototxtError: Error, CustomStringConvertible, Equatable {
    let path: String
    let location: SourceLocation
    let message: String

    init(_ path: String, _ location: SourceLocation, _ message: String) {
        self.path = path
        self.location = location
        self.message = message
    }

    var description: String { "\(path):\(location.line):\(location.column): \(message)" }
}
