import Foundation

/// A small YAML document written as block mappings and sequences, every string
/// double-quoted with JSON's escapes (valid YAML, never read as a number or a
/// boolean). Only what a Kubernetes manifest needs; pzconv never reads YAML.
indirect enum YAMLValue {
    case string(String)
    case integer(Int)
    case mapping([(String, YAMLValue)])
    case sequence([YAMLValue])

    /// The document's lines.
    var text: String { lines(indent: 0).joined(separator: "\n") + "\n" }

    private func lines(indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        switch self {
        case .string, .integer:
            return [pad + scalar]
        case .mapping(let entries):
            return entries.flatMap { key, value -> [String] in
                switch value {
                case .mapping(let inner) where !inner.isEmpty: return ["\(pad)\(key):"] + value.lines(indent: indent + 2)
                case .sequence(let inner) where !inner.isEmpty: return ["\(pad)\(key):"] + value.lines(indent: indent)
                default: return ["\(pad)\(key): \(value.scalar)"]
                }
            }
        case .sequence(let items):
            return items.flatMap { item -> [String] in
                let inner = item.lines(indent: indent + 2)
                guard let first = inner.first else { return [] }
                return ["\(pad)- " + first.dropFirst(indent + 2)] + inner.dropFirst()
            }
        }
    }

    /// The value on one line: a quoted string, a number, or an empty collection.
    private var scalar: String {
        switch self {
        case .string(let text):
            let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
            return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
        case .integer(let value): return String(value)
        case .mapping: return "{}"
        case .sequence: return "[]"
        }
    }
}
