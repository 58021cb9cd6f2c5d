import PZGraph
import PZReference

extension FuzzTarget {
    /// A `.pzir` file: header, sections, checksums, graph description, graph
    /// validation; a file that decodes is encoded again, and run on the reference
    /// executor (zero inputs) when it is small. Each input runs as it is, then
    /// with its header checksums repaired (see `ChecksumRepair`).
    public static let pzir = FuzzTarget(name: "pzir", summary: ".pzir bytes: decoded, re-encoded, small graphs run") { bytes in
        for input in ChecksumRepair.inputs(bytes) {
            guard let graph = try? PZIRFile.decode(input, path: "fuzz.pzir") else { continue }
            _ = try? PZIRFile.encode(graph)
            guard let executor = try? ReferenceExecutor(graph: graph, memoryLimit: memoryLimit),
                  graph.statistics(shapes: executor.shapes).map(\.flops).saturatingSum <= runnableFlops else { continue }
            _ = try? executor.run(inputs: zeroInputs(of: graph))
        }
    }

    /// A zero tensor for every input of `graph`.
    static func zeroInputs(of graph: Graph) -> [String: Tensor] {
        var inputs: [String: Tensor] = [:]
        for node in graph.inputNodes {
            guard case .input(let parameters) = node.op else { continue }
            inputs[node.outputs[0]] = Tensor(zeros: parameters.shape)
        }
        return inputs
    }
}
