import Foundation
import ArgumentParser
import PZGraph
import PZPack
import PZPasses
import PZONNX

struct ExportCommand: ReportingCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Pack a .pzir into the .pz model the fast executor runs, or write it as ONNX (pzconv export net.pzir -o net.pz | net.onnx).",
        discussion: """
        The output's extension chooses the format.

        .onnx: the graph as the .pzir holds it (run pzconv optimize first for the optimized graph; fused \
        convolutions are written back as Conv, Mul/Add for a fused residual, the activation and Pad, which \
        ONNX Runtime fuses again), channels-first inside (NCDHW; NCHW for 2-D models), node names from the \
        source layers with their fusions in doc_string, inputs and outputs named as in the source model and \
        in its layout (Transposes at the edges of a channels_last model; --layout ncdhw leaves them out), a \
        shape on every value, operator set --opset (13 to 21, default 17). The weights are stored in the file.

        .pz: \
        Runs the verified pass pipeline (skipped with --no-passes), packs the weights in the blocked \
        layout (channels in blocks of S = 8 or 16), plans the execution (kernel and tiling per layer, \
        buffer reuse) and writes one checksummed, memory-mappable file with the source model's SHA-256 and \
        the verification record. The plan is made for this CPU's instruction set (AVX-512 or AVX2; \
        --isa plans for another): the SIMD width, the chunks of output blocks per register tile and \
        Winograd follow its measured tuning; a CPU with another instruction set re-plans the model when \
        it loads it. Convolutions with 3×3 kernels in H×W (any depth), unit stride in H and W and at least \
        8 input channels run on Winograd F(2×2, 3×3) unless --no-winograd, as do stride-1 \
        deconvolutions with such kernels; the other convolutions on the direct kernel, depthwise ones on \
        the depthwise kernel, the other deconvolutions on output phases (each a direct convolution with \
        its sub-kernel). Every node runs on a blocked kernel; a node on the reference kernel (only where \
        --reference-kernel asks) is named in a warning with its share of the FLOPs, and --strict refuses \
        to write such a model. Without --golden the passes are verified on seeded random patches, at a \
        reduced input size when the model is large (the fusions do not depend on shapes).

        Examples:
          pzconv export net.pzir -o net.pz
          pzconv export net.pzir -o net.pz --simd 8 --no-winograd
          pzconv export net.pzir -o net.pz --isa avx2
          pzconv export net.pzir -o net.pz --golden golden/ --tolerance 1e-4
          pzconv export net.pzir -o net.onnx
          pzconv export net.pzir -o net.onnx --opset 13 --layout ncdhw
        """
    )

    @Argument(help: "The .pzir model to pack or convert.")
    var model: String

    @Option(name: .shortAndLong, help: "The file to write: .pz (packed model) or .onnx.")
    var output: String

    @Option(help: "ONNX only: the operator set to write (13 to 21).")
    var opset: Int = 17

    @Option(help: "ONNX only: inputs and outputs in the source model's layout (source) or channels-first (ncdhw).")
    var layout: String = "source"

    @Option(help: "SIMD width S of the blocked layout: 8 or 16 (default: chosen for this model, see README).")
    var simd: Int?

    @Option(help: "Winograd tile for 3×3 kernels: 2 (F(2×2, 3×3)) or 4 (F(4×4, 3×3)) outputs per side (default: the instruction set's tuning).")
    var winogradTile: Int?

    @Option(help: "Plan for this instruction set: avx2 or avx512 (default: this CPU's; also PZCONV_ISA).")
    var isa: String?

    @Flag(help: "Refuse to write the model if any node would run on the reference kernel.")
    var strict = false

    @Option(help: "Run this node (of the optimized graph) on the reference kernel, to bisect a kernel; repeatable.")
    var referenceKernel: [String] = []

    @Flag(help: "Pack the graph as it is, without running the pass pipeline.")
    var noPasses = false

    @Flag(help: "Run every convolution on the direct kernel (the PZnet paper's), not Winograd F(2×2, 3×3).")
    var noWinograd = false

    @Option(help: "Largest accepted error of a pass, relative to max(1, |reference|max).")
    var tolerance: Double = 1e-4

    @Option(help: "Golden data for verifying the passes: a directory, or input.npy:output.npy.")
    var golden: String?

    @OptionGroup var memoryOptions: MemoryOptions

    private func pipeline() -> PassPipeline {
        var pipeline = PassPipeline(tolerance: tolerance)
        pipeline.memoryLimit = memoryOptions.limit
        return pipeline
    }

    func run() throws { try printReport() }

    func report() throws -> CommandReport {
        if output.hasSuffix(".onnx") { return try exportONNX() }
        guard output.hasSuffix(".pz") else { throw CommandError("\(output): the output of export must be a .pz or .onnx file") }
        if opset != 17 || layout != "source" { throw CommandError("--opset and --layout apply to .onnx output, not .pz") }
        if let simd, simd != 8, simd != 16 { throw CommandError("--simd must be 8 or 16, not \(simd)") }
        if let winogradTile, winogradTile != 2, winogradTile != 4 {
            throw CommandError("--winograd-tile must be 2 or 4, not \(winogradTile)")
        }
        let instructionSet = try isa.map { try InstructionSet.named($0, source: "--isa") } ?? InstructionSet.current()
        let bytes = try readFileBytes(model)
        let graph = try ModelFile.loadGraph(model)
        let optimized = noPasses ? graph
            : try VerifiedOptimization.run(graph, model: model, pipeline: pipeline(), golden: golden)
        for name in referenceKernel where !optimized.nodes.contains(where: { $0.name == name }) {
            throw CommandError("--reference-kernel \(name): the optimized graph has no node of that name (see pzconv inspect)")
        }
        let plan = try Exporter.plan(optimized, isa: instructionSet, lanes: simd, winograd: !noWinograd,
                                     winograd3x3Outputs: winogradTile, referenceNodes: Set(referenceKernel))
        let fallbacks = ReferenceFallbacks(graph: optimized, plan: plan)
        if !fallbacks.nodes.isEmpty {
            if strict { throw CommandError("\(model): --strict: " + fallbacks.description + "; nothing was written") }
            printToStandardError("warning: " + fallbacks.description)
        }
        try AtomicFile.write(try Exporter.encode(optimized, plan: plan, sourceModelSHA256: SHA256.hexDigest(bytes)), to: output)
        var kernels: [String: Int] = [:]
        for step in plan.steps { kernels[step.kernel.rawValue, default: 0] += 1 }
        let summary = kernels.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        var lines = ["\(model) → \(output): \(graph.nodes.count) → \(optimized.nodes.count) nodes, \(instructionSet.displayName), "
              + "S = \(plan.lanes), \(plan.steps.count) steps (\(summary)), activation memory \(formatBytes(plan.activationBytes)) "
              + "in \(plan.buffers.count) buffers"]
        if let record = optimized.verification {
            lines.append("passes verified on \(record.patches): " + (record.holds ? "all within \(formatError(record.tolerance))"
                : "some rolled back (see pzconv inspect \(output))"))
        }
        return CommandReport(lines.joined(separator: "\n"))
    }
}

extension ExportCommand {
    /// Writes the .pzir's graph as ONNX.
    private func exportONNX() throws -> CommandReport {
        let packingOptions = [simd != nil, winogradTile != nil, isa != nil, strict, !referenceKernel.isEmpty, noPasses, noWinograd,
                              golden != nil]
        if packingOptions.contains(true) {
            throw CommandError("\(output): --simd, --winograd-tile, --isa, --strict, --reference-kernel, --no-passes, --no-winograd "
                               + "and --golden apply to .pz output; an .onnx holds the .pzir's graph as it is")
        }
        guard let layoutChoice = ONNXExportOptions.Layout(rawValue: layout) else {
            throw CommandError("--layout must be source or ncdhw, not '\(layout)'")
        }
        let graph = try ModelFile.loadGraph(model)
        let onnx: ONNXModel
        do {
            onnx = try ONNXExporter.export(graph, options: ONNXExportOptions(opset: opset, layout: layoutChoice,
                                                                              producerVersion: PZConvVersionInfo.text))
        } catch let error as ONNXFormatError {
            throw CommandError("\(model): \(error.description)")
        }
        let bytes = ONNXEncoder.encode(onnx)
        try AtomicFile.write(bytes, to: output)
        return CommandReport("\(model) → \(output): \(graph.nodes.count) nodes → \(onnx.graph.nodes.count) ONNX nodes, "
                             + "opset \(opset), \(onnx.graph.initializers.count) initializers, \(formatBytes(bytes.count))")
    }
}

/// The nodes a plan runs on the reference kernel, with their share of the FLOPs.
struct ReferenceFallbacks: CustomStringConvertible {
    let nodes: [(name: String, op: String, flops: Int)]
    let totalFlops: Int

    init(graph: Graph, plan: ExecutionPlan) {
        let statistics = graph.statistics(shapes: (try? graph.inferShapes()) ?? [:])
        let flops = Dictionary(uniqueKeysWithValues: zip(graph.nodes.map(\.name), statistics.map(\.flops)))
        let ops = Dictionary(uniqueKeysWithValues: graph.nodes.map { ($0.name, $0.op.typeName) })
        nodes = plan.steps.filter { $0.kernel == .reference }.map { ($0.node, ops[$0.node] ?? "?", flops[$0.node] ?? 0) }
        totalFlops = max(1, statistics.map(\.flops).saturatingSum)
    }

    var description: String {
        let share = Double(nodes.map(\.flops).saturatingSum) / Double(totalFlops) * 100
        return "\(nodes.count) node(s) run on the scalar reference kernel (\(String(format: "%.2f", share))% of the FLOPs): "
            + nodes.map { "'\($0.name)' (\($0.op), \(String(format: "%.2f", Double($0.flops) / Double(totalFlops) * 100))%)" }
                .joined(separator: ", ")
    }
}

func formatBytes(_ bytes: Int) -> String {
    let megabytes = Double(bytes) / 1_048_576
    return megabytes >= 1 ? "\((megabytes * 10).rounded() / 10) MiB" : "\((Double(bytes) / 1024 * 10).rounded() / 10) KiB"
}
