import PZGraph
import PZPack
import PZRuntime

extension FuzzTarget {
    /// A `.pz` file, loaded for every instruction set this CPU runs (its own plan,
    /// or unpacked and planned again): header, sections, checksums, graph, weight
    /// packing and every plan invariant; a model that loads is run once (zero
    /// inputs, one thread) when it is small. Each input runs as it is, then with
    /// its header checksums repaired (see `ChecksumRepair`).
    public static let pz = FuzzTarget(name: "pz", summary: ".pz bytes: loaded and plan-validated, small models run") { bytes in
        for input in ChecksumRepair.inputs(bytes) {
            for instructionSet in InstructionSet.allCases where instructionSet <= InstructionSet.detected {
                run(input, instructionSet: instructionSet)
            }
        }
    }

    private static func run(_ bytes: [UInt8], instructionSet: InstructionSet) {
        guard let model = try? PackedModel.load(bytes: bytes, name: "fuzz.pz", instructionSet: instructionSet,
                                                memoryLimit: memoryLimit) else { return }
        guard model.graph.statistics(shapes: model.shapes).map(\.flops).saturatingSum <= runnableFlops else { return }
        _ = try? FastExecutor(model: model, threads: 1).run(inputs: zeroInputs(of: model.graph))
    }
}
