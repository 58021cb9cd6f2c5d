import ArgumentParser
import PZGraph
import PZPack
import PZPasses
import PZRuntime

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Pack a .pzir into the SIMD-blocked .pz model the fast executor runs (pzconv export net.pzir -o net.pz).",
        discussion: """
        Runs the verified pass pipeline (skipped with --no-passes), packs the weights in the blocked \
        layout (channels in blocks of S = 8 or 16), plans the execution (kernel and tiling per layer, \
        buffer reuse) and writes one checksummed, memory-mappable file with the source model's SHA-256 and \
        the verification record. Convolutions with 3×3 kernels in H×W (any depth), unit stride in H and W \
        and at least 8 input channels run on Winograd F(2×2, 3×3) unless --no-winograd; the others on the \
        direct kernel. Without --golden the passes are verified on seeded random patches, at a \
        reduced input size when the model is large (the fusions do not depend on shapes).

        Examples:
          pzconv export net.pzir -o net.pz
          pzconv export net.pzir -o net.pz --simd 8 --no-winograd
          pzconv export net.pzir -o net.pz --golden golden/ --tolerance 1e-4
        """
    )

    @Argument(help: "The .pzir model to pack.")
    var model: String

    @Option(name: .shortAndLong, help: "The .pz file to write.")
    var output: String

    @Option(help: "SIMD width S of the blocked layout: 8 or 16 (default: chosen for this model, see README).")
    var simd: Int?

    @Flag(help: "Pack the graph as it is, without running the pass pipeline.")
    var noPasses = false

    @Flag(help: "Run every convolution on the direct kernel (the PZnet paper's), not Winograd F(2×2, 3×3).")
    var noWinograd = false

    @Option(help: "Largest accepted error of a pass, relative to max(1, |reference|max).")
    var tolerance: Double = 1e-4

    @Option(help: "Golden data for verifying the passes: a directory, or input.npy:output.npy.")
    var golden: String?

    func run() throws {
        guard output.hasSuffix(".pz") else { throw CommandError("\(output): the output of export must be a .pz file") }
        if let simd, simd != 8, simd != 16 { throw CommandError("--simd must be 8 or 16, not \(simd)") }
        let bytes = try readFileBytes(model)
        let graph = try ModelFile.loadGraph(model)
        let optimized = noPasses ? graph
            : try VerifiedOptimization.run(graph, pipeline: PassPipeline(tolerance: tolerance), golden: golden)
        let lanes = simd ?? LaneChoice.automatic(for: optimized)
        let plan = try Exporter.plan(optimized, lanes: lanes, winograd: !noWinograd)
        try AtomicFile.write(try Exporter.encode(optimized, plan: plan, sourceModelSHA256: SHA256.hexDigest(bytes)), to: output)
        var kernels: [String: Int] = [:]
        for step in plan.steps { kernels[step.kernel.rawValue, default: 0] += 1 }
        print("\(model) → \(output): \(graph.nodes.count) → \(optimized.nodes.count) nodes, S = \(lanes), "
              + "\(plan.steps.count) steps (" + kernels.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
              + "), activation memory \(formatBytes(plan.activationBytes)) in \(plan.buffers.count) buffers")
        if let record = optimized.verification {
            print("passes verified on \(record.patches): " + (record.holds ? "all within \(formatError(record.tolerance))"
                : "some rolled back (see pzconv inspect \(output))"))
        }
    }
}

func formatBytes(_ bytes: Int) -> String {
    let megabytes = Double(bytes) / 1_048_576
    return megabytes >= 1 ? "\((megabytes * 10).rounded() / 10) MiB" : "\((Double(bytes) / 1024 * 10).rounded() / 10) KiB"
}
