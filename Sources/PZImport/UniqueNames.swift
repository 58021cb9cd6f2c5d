/// Hands out names that are unique within a graph: the base name the first time,
/// then `base<separator>2`, `base<separator>3`, …
struct UniqueNames {
    private var used = Set<String>()
    let separator: String

    init(separator: String) { self.separator = separator }

    mutating func claim(_ base: String) -> String {
        var name = base
        var suffix = 2
        while used.contains(name) {
            name = "\(base)\(separator)\(suffix)"
            suffix += 1
        }
        used.insert(name)
        return name
    }
}
