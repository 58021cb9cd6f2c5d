/// Hands out names that are unique within a graph: the base name the first time,
/// then `base<separator>2`, `base<separator>3`, …
public struct UniqueNames: Sendable {
    private var used = Set<String>()
    public let separator: String

    public init(separator: String, reserving names: some Sequence<String> = [String]()) {
        self.separator = separator
        used = Set(names)
    }

    public mutating func claim(_ base: String) -> String {
        var name = base
        var suffix = 2
        while used.contains(name) {
            name = "\(base)\(separator)\(suffix)"
            suffix += 1
        }
        used.insert(name)
        return name
    }

    /// Makes `name` available again.
    public mutating func release(_ name: String) { used.remove(name) }
}
