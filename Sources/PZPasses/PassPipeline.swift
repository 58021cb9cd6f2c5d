import Foundation
import PZGraph
import PZReference

/// Runs passes in order and verifies each one as it goes: before and after every
/// pass the reference executor runs on the verification patches; a pass whose
/// outputs move more than the tolerance away from the unfused graph's is rolled
/// back (the pipeline continues with the graph as it was) and reported with the
/// first diverging tensor, named by its source layers.
public struct PassPipeline {
    /// The PZnet fusions in the paper's order, after the house-keeping that
    /// exposes them, and in-place resolution last.
    public static let standardPasses: [any GraphPass] = [
        IdentityRemoval(), DeadCodeElimination(), EltwiseFusion(), LinearFusion(), ActivationFusion(), ChannelwiseFusion(),
        PaddingTransformation(), InPlaceResolution(),
    ]

    /// Looks passes up by name (`--passes eltwise-fusion,linear-fusion`).
    public static func passes(named names: [String]) throws -> [any GraphPass] {
        try names.map { name in
            guard let pass = standardPasses.first(where: { $0.name == name }) else {
                throw PassError("unknown pass '\(name)' (passes: " + standardPasses.map(\.name).joined(separator: ", ") + ")")
            }
            return pass
        }
    }

    public var passes: [any GraphPass]
    /// Accepted relative error, `max |a − b| / max(1, |b|max)`, inclusive.
    public var tolerance: Double
    /// Whether `run` throws, before running any pass, when the unfused graph
    /// itself differs from the golden outputs by more than the tolerance (an
    /// import problem no pass can be verified against); else it is recorded as
    /// the baseline and reported.
    public var stopsOnBaselineMismatch = false
    /// The most memory one reference run may take (`ReferenceExecutor.peakBytes`).
    public var memoryLimit = MemoryLimit.machine

    public init(passes: [any GraphPass] = PassPipeline.standardPasses, tolerance: Double = 1e-4) {
        self.passes = passes
        self.tolerance = tolerance
    }

    /// Optimizes `graph`; returns the result with its verification record (also
    /// stored in the returned graph).
    public func run(_ graph: Graph, patches: [VerificationPatch], patchDescription: String) throws -> Graph {
        guard !patches.isEmpty else { throw PassError("verification needs at least one patch") }
        // The unfused run is needed for the golden baseline and once a pass
        // rewrites something; a graph no pass changes (one already optimized)
        // without golden outputs costs no reference run at all.
        var unfusedResults: [[String: Tensor]]?
        func unfused() throws -> [[String: Tensor]] {
            if let unfusedResults { return unfusedResults }
            let results = try patches.map { try ReferenceExecutor(graph: graph, memoryLimit: memoryLimit).run(inputs: $0.inputs, keepingAllTensors: true) }
            unfusedResults = results
            return results
        }
        let hasGolden = patches.contains { !$0.expected.isEmpty }
        let baseline = hasGolden ? goldenError(of: graph, results: try unfused(), patches: patches) : nil
        if stopsOnBaselineMismatch, let baseline, !baseline.isWithin(tolerance) {
            throw BaselineMismatch(figures: baseline, tolerance: tolerance)
        }
        var current = graph
        current.verification = nil
        var records: [PassRecord] = []
        for pass in passes {
            let before = current.nodes.count
            let result = try pass.apply(to: current)
            guard result.changed else {
                records.append(PassRecord(pass: pass.name, outcome: .declined, nodesBefore: before, nodesAfter: before,
                                          notes: result.declined.isEmpty ? ["nothing to do"] : result.declined))
                continue
            }
            let candidate = try ReferenceExecutor(graph: result.graph, memoryLimit: memoryLimit)
            let results = try patches.map { try candidate.run(inputs: $0.inputs, keepingAllTensors: true) }
            let versusUnfused = outputError(of: result.graph, results: results, reference: try unfused())
            let versusGolden = goldenError(of: result.graph, results: results, patches: patches)
            var record = PassRecord(pass: pass.name, outcome: .applied, nodesBefore: before,
                                    nodesAfter: result.graph.nodes.count, notes: result.rewrites + result.declined,
                                    versusUnfused: versusUnfused, versusGolden: versusGolden)
            if versusUnfused.isWithin(tolerance) {
                current = result.graph
            } else {
                record.outcome = .rolledBack
                record.nodesAfter = before
                record.firstDivergence = firstDivergence(in: result.graph, results: results, reference: try unfused())
            }
            records.append(record)
        }
        current.verification = VerificationRecord(tolerance: tolerance, patches: patchDescription, baseline: baseline,
                                                  passes: records)
        return current
    }

    /// The error of the graph outputs against the unfused graph's.
    private func outputError(of graph: Graph, results: [[String: Tensor]], reference: [[String: Tensor]]) -> ErrorFigures {
        var figures = ErrorFigures.zero
        for (result, unfused) in zip(results, reference) {
            for output in graph.outputNames {
                guard let actual = result[output], let expected = unfused[output] else {
                    figures = figures.combined(with: ErrorFigures(maxAbsoluteError: .infinity, maxRelativeError: .infinity))
                    continue
                }
                let error = actual.shape == expected.shape
                    ? TensorComparison.error(actual.values, expected.values)
                    : ErrorFigures(maxAbsoluteError: .infinity, maxRelativeError: .infinity)
                figures = figures.combined(with: error)
            }
        }
        return figures
    }

    /// The error of the graph outputs against the golden outputs (nil without any).
    private func goldenError(of graph: Graph, results: [[String: Tensor]], patches: [VerificationPatch]) -> ErrorFigures? {
        var figures: ErrorFigures?
        for (result, patch) in zip(results, patches) {
            for (name, expected) in patch.expected {
                guard let actual = result[name], actual.shape == expected.shape else { continue }
                figures = (figures ?? .zero).combined(with: TensorComparison.error(actual.values, expected.values))
            }
        }
        return figures
    }

    /// The first tensor, in the candidate's node order, that differs from the
    /// unfused graph's tensor of the same name by more than the tolerance.
    private func firstDivergence(in graph: Graph, results: [[String: Tensor]],
                                 reference: [[String: Tensor]]) -> Divergence? {
        for node in graph.nodes {
            for tensor in node.outputs {
                var worst: ErrorFigures?
                for (result, unfused) in zip(results, reference) {
                    guard let values = result[tensor], let expected = unfused[tensor],
                          let error = TensorComparison.error(of: tensor, writtenBy: node, values: values, reference: expected)
                    else { continue }
                    worst = (worst ?? .zero).combined(with: error)
                }
                if let worst, !worst.isWithin(tolerance) {
                    return Divergence(tensor: tensor, node: node.name, sourceLayers: node.sourceLayers, error: worst)
                }
            }
        }
        return nil
    }
}

/// A pipeline that cannot run (an unknown pass name, no patches).
/// The unfused graph differs from the golden outputs by more than the tolerance
/// (thrown where `stopsOnBaselineMismatch` asks for it).
public struct BaselineMismatch: Error, CustomStringConvertible {
    public let figures: ErrorFigures
    public let tolerance: Double

    public var description: String {
        "the model as imported, before any pass, differs from the golden outputs (max relative error "
            + String(format: "%.3g", figures.maxRelativeError) + " > tolerance \(tolerance)); no pass was run and "
            + "nothing was written. Check the import (input layout, preprocessing, golden files) with pzconv verify"
    }
}

public struct PassError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
