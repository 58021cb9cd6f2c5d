import PZGraph
import PZPasses

/// Runs a pass pipeline with verification, as `optimize`, `verify` and `export`
/// do: on golden patches at the model's own size when golden data is given;
/// otherwise on seeded random patches at a reduced input size (see
/// `Graph.reducedForVerification`: the reference executor is slow by design),
/// after which the accepted passes are applied to the full-size graph, which must
/// come out exactly as the verified small one did (brought back to the small
/// shapes) — else the command fails rather than ship an unverified rewrite.
///
/// A graph the passes leave unchanged (one `optimize` already wrote) keeps the
/// verification record it carries.
enum VerifiedOptimization {
    /// FLOPs of one reference run below which two random patches are used (one above).
    static let twoPatchBudget = 1_000_000_000

    /// `stopsOnBaselineMismatch`: fail when the unfused import itself differs from
    /// the golden outputs (`optimize` and `export`, which write a model); `verify`
    /// reports it instead.
    static func run(_ graph: Graph, model: String, pipeline: PassPipeline, golden: String?,
                    stopsOnBaselineMismatch: Bool = true) throws -> Graph {
        let optimized: Graph
        do {
            optimized = try verify(graph, pipeline: pipeline, golden: golden, stopsOnBaselineMismatch: stopsOnBaselineMismatch)
        } catch let mismatch as BaselineMismatch {
            throw CommandError("\(model) against \(golden ?? "the golden data"): \(mismatch)")
        } catch let error as MemoryLimitError {
            throw CommandError("\(model): verifying the passes: \(error)")
        }
        if optimized.nodes == graph.nodes, let existing = graph.verification {
            var kept = optimized
            kept.verification = existing
            return kept
        }
        return optimized
    }

    private static func verify(_ graph: Graph, pipeline: PassPipeline, golden: String?,
                               stopsOnBaselineMismatch: Bool) throws -> Graph {
        if let golden {
            let (patches, description) = try VerificationInputs.patches(for: graph, golden: golden)
            var pipeline = pipeline
            pipeline.stopsOnBaselineMismatch = stopsOnBaselineMismatch
            return try pipeline.run(graph, patches: patches, patchDescription: description)
        }
        let small = try graph.reducedForVerification(flopBudget: twoPatchBudget)
        let count = small.statistics(shapes: try small.inferShapes()).map(\.flops).saturatingSum <= twoPatchBudget ? 2 : 1
        let patches = "\(count) random patch\(count == 1 ? "" : "es") (seed 1)"
        let description = small == graph ? "\(patches), no golden outputs"
            : "\(patches) at input shape " + inputShapes(of: small).values.map(\.shapeDescription).sorted()
                .joined(separator: ", ") + ", no golden outputs"
        if small != graph { printToStandardError("verifying the passes on \(description)") }
        let verified = try pipeline.run(small, patches: VerificationPatch.random(for: small, count: count, seed: 1),
                                        patchDescription: description)
        guard small != graph else { return verified }
        let record = verified.verification!
        let accepted = record.passes.filter { $0.outcome == .applied }.map(\.pass)
        var (full, _) = try pipeline.applyUnverified(graph, passes: accepted)
        guard try full.withInputShapes(inputShapes(of: small)).nodes == verified.nodes else {
            throw CommandError("the passes rewrote the full-size graph differently from the verified smaller one; "
                               + "verify with --golden (full-size verification) or skip the passes")
        }
        full.verification = record
        return full
    }

    private static func inputShapes(of graph: Graph) -> [String: [Int]] {
        Dictionary(uniqueKeysWithValues: graph.inputNodes.compactMap { node -> (String, [Int])? in
            guard case .input(let parameters) = node.op else { return nil }
            return (node.outputs[0], parameters.shape)
        })
    }
}
