import PZGraph

/// Records a source file (name, size, SHA-256) for a graph's provenance.
func describeSourceFile(_ path: String, bytes: [UInt8]) -> SourceFile {
    let name = path.split(separator: "/").last.map(String.init) ?? path
    return SourceFile(name: name, bytes: bytes.count, sha256: SHA256.hexDigest(bytes))
}

/// Reads a file as UTF-8 text.
func readTextFile(_ path: String) throws -> (text: String, bytes: [UInt8]) {
    let bytes = try readFileBytes(path)
    guard let text = String(validating: bytes, as: UTF8.self) else {
        throw ImportError("\(path): not a text file (invalid UTF-8)")
    }
    return (text, bytes)
}
