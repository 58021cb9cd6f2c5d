import Foundation
import PZGraph

/// Golden patches of a model: inputs and the source framework's outputs, as
/// `.npy` files in one directory, in the source model's layout:
/// `input.npy` (a model with one input) or `input.<name>.npy`, and
/// `output.<name>.npy` for each output tensor.
public struct GoldenSet {
    public struct Array: Sendable {
        public var shape: [Int]
        public var values: [Float]
    }

    public let directory: String
    /// Inputs by name; the empty name stands for `input.npy`.
    public var inputs: [String: Array]
    public var outputs: [String: Array]

    public init(directory: String) throws {
        self.directory = directory
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            throw PatchError(directory, "cannot list the golden directory")
        }
        var inputs: [String: Array] = [:]
        var outputs: [String: Array] = [:]
        for name in names where name.hasSuffix(".npy") {
            let stem = String(name.dropLast(4))
            let array = try NPYFile.read(directory + "/" + name)
            if stem == "input" {
                inputs[""] = Array(shape: array.shape, values: array.values)
            } else if stem.hasPrefix("input.") {
                inputs[String(stem.dropFirst(6))] = Array(shape: array.shape, values: array.values)
            } else if stem.hasPrefix("output.") {
                outputs[String(stem.dropFirst(7))] = Array(shape: array.shape, values: array.values)
            }
        }
        guard !inputs.isEmpty, !outputs.isEmpty else {
            throw PatchError(directory, "a golden directory needs input.npy (or input.<name>.npy) and output.<name>.npy files")
        }
        self.inputs = inputs
        self.outputs = outputs
    }

    /// The inputs as IR tensors for `graph` (layout converted, shapes checked).
    public func inputTensors(for graph: Graph) throws -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        let inputNodes = graph.inputNodes
        for node in inputNodes {
            guard case .input(let parameters) = node.op else { continue }
            let name = node.outputs[0]
            guard let array = inputs[name] ?? (inputNodes.count == 1 ? inputs[""] : nil) else {
                throw PatchError(directory, "no golden input for model input '\(name)' (input.\(name).npy)")
            }
            let sourceShape = parameters.sourceLayout.sourceShape(fromCanonical: parameters.shape)
            guard array.shape == sourceShape || [1] + array.shape == sourceShape else {
                throw PatchError(directory, "golden input for '\(name)' has shape \(array.shape.shapeDescription), "
                                            + "the model takes \(sourceShape.shapeDescription)")
            }
            tensors[name] = Tensor(shape: parameters.shape,
                                   values: parameters.sourceLayout.toCanonical(array.values, canonicalShape: parameters.shape))
        }
        return tensors
    }

    /// The golden output for a graph output, as an NCDHW tensor, or nil when the
    /// set has none for it. Throws when the shapes disagree.
    public func expectedOutput(_ output: GraphOutput, shape: [Int]) throws -> Tensor? {
        guard let array = outputs[output.tensor] else { return nil }
        let sourceShape = output.sourceLayout.sourceShape(fromCanonical: shape)
        guard array.shape == sourceShape || [1] + array.shape == sourceShape else {
            throw PatchError(directory, "golden output '\(output.tensor)' has shape \(array.shape.shapeDescription), "
                                        + "the model produces \(sourceShape.shapeDescription)")
        }
        return Tensor(shape: shape, values: output.sourceLayout.toCanonical(array.values, canonicalShape: shape))
    }
}
