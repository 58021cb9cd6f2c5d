import PZGraph
import PZPack
import PZRuntime

/// Opens model files by extension.
package enum ModelFile {
    /// Loads a `.pzir` graph (every check of `PZIRFile.read` applies).
    package static func loadGraph(_ path: String) throws -> Graph {
        if path.hasSuffix(".pz") {
            throw CommandError("\(path): a packed model; this command takes the .pzir it was exported from")
        }
        guard path.hasSuffix(".pzir") else {
            throw CommandError("\(path): not a pzconv model (expected .pzir or .pz; import source models with pzconv import)")
        }
        return try PZIRFile.read(from: path)
    }

    /// Loads a `.pz` packed model (every check of `PackedModel.load` applies).
    package static func loadPacked(_ path: String, instructionSet: InstructionSet? = nil,
                           memoryLimit: MemoryLimit = .machine, inputPatch: [Int]? = nil) throws -> PackedModel {
        guard path.hasSuffix(".pz") else {
            throw CommandError("\(path): not a packed model (expected .pz; make one with pzconv export)")
        }
        return try PackedModel.load(path: path, instructionSet: instructionSet, memoryLimit: memoryLimit,
                                    inputPatch: inputPatch)
    }
}
