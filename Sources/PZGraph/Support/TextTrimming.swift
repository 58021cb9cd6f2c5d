extension StringProtocol {
    /// The text without leading and trailing characters from `set`
    /// (Foundation-free, for the small parsers of patch headers and options).
    public func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        var text = Substring(self)
        while let first = text.first, characters.contains(first) { text = text.dropFirst() }
        while let last = text.last, characters.contains(last) { text = text.dropLast() }
        return String(text)
    }
}
