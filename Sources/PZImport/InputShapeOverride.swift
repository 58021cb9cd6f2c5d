import PZGraph

/// `--input-shape`: replaces declared input shapes (the patch size is a
/// deployment choice). Shapes are in the source model's layout, batch first:
/// `1,1,18,192,192` for the only input, or `data:1,1,18,192,192` per named input
/// (several separated by `;`).
public struct InputShapeOverride: Equatable, Sendable {
    /// A shape for a model with exactly one input.
    public var single: [Int]?
    /// Shapes by input name.
    public var byName: [String: [Int]] = [:]

    public init(single: [Int]? = nil, byName: [String: [Int]] = [:]) {
        self.single = single
        self.byName = byName
    }

    public init(parsing text: String) throws {
        for part in text.split(separator: ";") {
            let pieces = part.split(separator: ":", maxSplits: 1)
            let shapeText = pieces.count == 2 ? pieces[1] : pieces[0]
            let dims = shapeText.split(separator: ",").map { Int($0.trimmingCharacters(in: " ")) }
            guard !dims.isEmpty, dims.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw ImportError("--input-shape '\(text)': expected positive integers like 1,1,18,192,192")
            }
            if pieces.count == 2 {
                byName[String(pieces[0])] = dims.map { $0! }
            } else {
                guard single == nil else { throw ImportError("--input-shape '\(text)': name the inputs (data:1,1,8,64,64;…)") }
                single = dims.map { $0! }
            }
        }
    }

    /// The shapes by name for a model whose inputs are `names`.
    func resolved(for names: [String]) throws -> [String: [Int]] {
        var shapes = byName
        for name in byName.keys where !names.contains(name) {
            throw ImportError("--input-shape names '\(name)', which is not an input of the model (inputs: "
                              + names.joined(separator: ", ") + ")")
        }
        if let single {
            guard names.count == 1 else {
                throw ImportError("--input-shape: the model has \(names.count) inputs; name each (data:1,1,8,64,64;…)")
            }
            shapes[names[0]] = single
        }
        return shapes
    }
}
