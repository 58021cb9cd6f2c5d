import Foundation
import PZGraph

/// Prints verification records: a table per model (model × pass) or JSON.
struct VerificationReport: Encodable {
    struct Entry: Encodable {
        var model: String
        var nodes: Int
        var record: VerificationRecord
        /// The fast executor on the golden patch, per SIMD width (golden data only).
        var executor: [ExecutorCheck] = []

        var holds: Bool { record.holds && executor.allSatisfy(\.holds) }
    }

    var entries: [Entry]

    var holds: Bool { entries.allSatisfy(\.holds) }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    func table(verbose: Bool) -> String {
        let table = TextTable(columns: ["model", "pass", "outcome", "nodes", "removed", "abs err (unfused)",
                                        "rel err (unfused)", "abs err (golden)", "rel err (golden)"])
        var details: [String] = []
        for entry in entries {
            let record = entry.record
            table.add([entry.model, "(unfused import)", record.baseline.map { $0.isWithin(record.tolerance) ? "matches" : "DIFFERS" } ?? "-",
                       String(entry.nodes), "", "", "", format(record.baseline?.maxAbsoluteError),
                       format(record.baseline?.maxRelativeError)])
            for pass in record.passes {
                let outcome = pass.outcome == .rolledBack ? "ROLLED BACK" : pass.outcome.rawValue
                table.add(["", pass.pass, outcome, "\(pass.nodesBefore)→\(pass.nodesAfter)", String(pass.nodesRemoved),
                           format(pass.versusUnfused?.maxAbsoluteError), format(pass.versusUnfused?.maxRelativeError),
                           format(pass.versusGolden?.maxAbsoluteError), format(pass.versusGolden?.maxRelativeError)])
                if let divergence = pass.firstDivergence {
                    details.append("\(entry.model): \(pass.pass) rolled back; first diverging \(divergence)")
                }
                if verbose { details += pass.notes.map { "\(entry.model): \(pass.pass): \($0)" } }
            }
            for check in entry.executor {
                table.add(["", "packed .pz, S = \(check.lanes)", check.holds ? "matches" : "DIFFERS", "", "", "", "",
                           format(check.versusGolden.maxAbsoluteError), format(check.versusGolden.maxRelativeError)])
            }
        }
        var lines = table.render()
        let tolerance = entries.first.map { formatError($0.record.tolerance) } ?? "-"
        lines.append("tolerance \(tolerance) (relative to max(1, |reference|max)); patches: "
                     + Set(entries.map(\.record.patches)).sorted().joined(separator: "; "))
        lines += details
        lines.append(holds ? "verification holds for \(entries.count) model(s)"
                           : "verification FAILED for " + entries.filter { !$0.holds }.map(\.model).joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    private func format(_ value: Double?) -> String { value.map(formatError) ?? "-" }
}
