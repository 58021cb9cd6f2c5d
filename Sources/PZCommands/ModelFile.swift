import PZGraph

/// Opens model files by extension.
enum ModelFile {
    /// Loads a `.pzir` graph (every check of `PZIRFile.read` applies).
    static func loadGraph(_ path: String) throws -> Graph {
        if path.hasSuffix(".pz") {
            throw CommandError("\(path): .pz models need the fast executor, which is not available yet in this build; "
                               + "run the .pzir instead")
        }
        guard path.hasSuffix(".pzir") else {
            throw CommandError("\(path): not a pzconv model (expected .pzir or .pz; import source models with pzconv import)")
        }
        return try PZIRFile.read(from: path)
    }
}
