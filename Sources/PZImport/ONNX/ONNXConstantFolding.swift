import PZONNX

/// Evaluates, at import, the nodes whose inputs are all constants: the shape
/// arithmetic exporters write around Pad, Reshape and Resize (Shape → Gather →
/// Concat → Cast …). Only small integer and float arithmetic is folded; a node
/// of another type is left to the importer, which names it if it cannot use it.
enum ONNXConstantFolding {
    /// The most values a folded constant may hold (shape arithmetic needs a handful).
    static let maximumFoldedCount = 1 << 24

    /// The op types this folds.
    static let foldable: Set<String> = [
        "Identity", "Cast", "Reshape", "Concat", "Slice", "Transpose", "Gather", "Unsqueeze", "Squeeze", "Add", "Sub", "Mul",
        "Div", "Neg", "ConstantOfShape", "Flatten",
    ]

    /// The node's single result, folded; `arguments` are its inputs (nil for an
    /// omitted optional input). Throws naming the node when the inputs are malformed.
    static func fold(_ node: ONNXNode, _ arguments: [ONNXConstant?], opset: Int64, file: String) throws -> ONNXConstant {
        func fail(_ message: String) -> ImportError { ImportError("\(file): node \(node.label): \(message)") }
        func argument(_ index: Int) throws -> ONNXConstant {
            guard index < arguments.count, let value = arguments[index] else { throw fail("input \(index) is missing") }
            return value
        }
        func integers(_ index: Int) throws -> [Int] {
            guard let values = try argument(index).integers else { throw fail("input \(index) must hold integers") }
            return values
        }
        let attributes = ONNXAttributes(node, file: file)
        switch node.opType {
        case "Identity":
            return try argument(0)
        case "Cast":
            var value = try argument(0)
            guard let target = Int32(exactly: try attributes.int("to")) else { throw fail("'to' is not a data type") }
            value.isInteger = ![ONNXDataType.float, ONNXDataType.double, ONNXDataType.float16].contains(target)
            if value.isInteger { value.values = value.values.map { $0.rounded(.towardZero) } }
            return value
        case "Neg":
            var value = try argument(0)
            value.values = value.values.map { -$0 }
            return value
        case "ConstantOfShape":
            let shape = try integers(0)
            guard shape.allSatisfy({ $0 >= 0 }), let count = shape.checkedElementCount, count <= maximumFoldedCount else {
                throw fail("shape \(shape) is not a small non-negative shape")
            }
            var fill = ONNXConstant(shape: [1], values: [0], isInteger: false)
            if let tensor = try attributes.tensorIfPresent("value") { fill = try ONNXConstant(tensor, file: file) { _, _, _ in [] } }
            guard fill.values.count == 1 else { throw fail("value must hold one element") }
            return ONNXConstant(shape: shape, values: [Double](repeating: fill.values[0], count: count), isInteger: fill.isInteger)
        case "Reshape", "Flatten":
            let value = try argument(0)
            var target: [Int]
            if node.opType == "Flatten" {
                let axis = try attributes.axis("axis", default: 1, rank: value.shape.count)
                target = [value.shape[..<axis].reduce(1, *), value.shape[axis...].reduce(1, *)]
            } else {
                target = try integers(1)
                let allowZero = try attributes.int("allowzero", default: 0) != 0
                for index in target.indices where target[index] == 0 && !allowZero {
                    guard index < value.shape.count else { throw fail("0 in the shape refers to a missing dimension") }
                    target[index] = value.shape[index]
                }
                if let inferred = target.firstIndex(of: -1) {
                    let known = target.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
                    guard known > 0, value.values.count % known == 0 else { throw fail("cannot reshape \(value.shape) to \(target)") }
                    target[inferred] = value.values.count / known
                }
            }
            guard target.allSatisfy({ $0 >= 0 }), target.checkedElementCount == value.values.count else {
                throw fail("cannot reshape \(value.shape) to \(target)")
            }
            return ONNXConstant(shape: target, values: value.values, isInteger: value.isInteger)
        case "Unsqueeze", "Squeeze":
            let value = try argument(0)
            let axesList = opset >= 13 ? (arguments.count > 1 && arguments[1] != nil ? try integers(1) : nil) : try attributes.intsIfPresent("axes")
            var shape = value.shape
            if node.opType == "Unsqueeze" {
                guard let axesList else { throw fail("needs axes") }
                let rank = shape.count + axesList.count
                for axis in axesList.map({ $0 < 0 ? $0 + rank : $0 }).sorted() {
                    guard (0...shape.count).contains(axis) else { throw fail("axis out of range") }
                    shape.insert(1, at: axis)
                }
            } else {
                let axes = Set((axesList ?? shape.indices.filter { shape[$0] == 1 }).map { $0 < 0 ? $0 + shape.count : $0 })
                guard axes.allSatisfy({ shape.indices.contains($0) && shape[$0] == 1 }) else { throw fail("squeezes a dimension that is not 1") }
                shape = shape.indices.filter { !axes.contains($0) }.map { shape[$0] }
            }
            return ONNXConstant(shape: shape, values: value.values, isInteger: value.isInteger)
        case "Concat":
            let parts = try arguments.indices.map { try argument($0) }
            guard let first = parts.first, !first.shape.isEmpty else { throw fail("has no inputs, or scalar inputs") }
            guard parts.map(\.values.count).reduce(0, +) <= maximumFoldedCount else { throw fail("the concatenated constant would be too large") }
            let axis = try attributes.axis("axis", default: nil, rank: first.shape.count)
            return try concatenate(parts, axis: axis, fail: fail)
        case "Gather":
            let data = try argument(0), indices = try integers(1)
            guard !data.shape.isEmpty else { throw fail("gathers from a scalar") }
            let axis = try attributes.axis("axis", default: 0, rank: data.shape.count)
            let extent = data.shape[axis]
            let outer = data.shape[..<axis].reduce(1, *), inner = data.shape[(axis + 1)...].reduce(1, *)
            guard let count = [outer, indices.count, inner].checkedElementCount, count <= maximumFoldedCount else {
                throw fail("the gathered constant would be too large")
            }
            var values: [Double] = []
            for o in 0..<outer {
                for index in indices {
                    let position = index < 0 ? index + extent : index
                    guard (0..<extent).contains(position) else { throw fail("index \(index) out of range \(extent)") }
                    values.append(contentsOf: data.values[(o * extent + position) * inner..<(o * extent + position + 1) * inner])
                }
            }
            let indexShape = try argument(1).shape
            return ONNXConstant(shape: Array(data.shape[..<axis]) + indexShape + data.shape[(axis + 1)...], values: values,
                                isInteger: data.isInteger)
        case "Transpose":
            let value = try argument(0)
            let rank = value.shape.count
            let permutation = try attributes.intsIfPresent("perm") ?? Array((0..<rank).reversed())
            guard permutation.sorted() == Array(0..<rank) else { throw fail("perm \(permutation) is not a permutation") }
            return transpose(value, permutation)
        case "Slice":
            return try slice(node, arguments, attributes: attributes, opset: opset, fail: fail)
        case "Add", "Sub", "Mul", "Div":
            return try broadcast(try argument(0), try argument(1), fail: fail) { a, b, integer in
                switch node.opType {
                case "Add": a + b
                case "Sub": a - b
                case "Mul": a * b
                default: integer ? (b == 0 ? 0 : (a / b).rounded(.towardZero)) : a / b
                }
            }
        default:
            throw fail("cannot be evaluated at import")
        }
    }

    static func concatenate(_ parts: [ONNXConstant], axis: Int, fail: (String) -> ImportError) throws -> ONNXConstant {
        var shape = parts[0].shape
        guard parts.allSatisfy({ $0.shape.count == shape.count }) else { throw fail("inputs of different ranks") }
        for part in parts.dropFirst() {
            for index in shape.indices where index != axis && part.shape[index] != shape[index] { throw fail("shapes differ") }
        }
        shape[axis] = parts.map { $0.shape[axis] }.reduce(0, +)
        let outer = shape[..<axis].reduce(1, *)
        var values: [Double] = []
        for o in 0..<outer {
            for part in parts {
                let block = part.shape[axis...].reduce(1, *)
                values.append(contentsOf: part.values[o * block..<(o + 1) * block])
            }
        }
        return ONNXConstant(shape: shape, values: values, isInteger: parts.allSatisfy(\.isInteger))
    }

    static func transpose(_ value: ONNXConstant, _ permutation: [Int]) -> ONNXConstant {
        let shape = permutation.map { value.shape[$0] }
        var strides = [Int](repeating: 1, count: value.shape.count)
        for index in stride(from: value.shape.count - 2, through: 0, by: -1) { strides[index] = strides[index + 1] * value.shape[index + 1] }
        var values = [Double](repeating: 0, count: value.values.count)
        var position = [Int](repeating: 0, count: shape.count)
        for index in values.indices {
            values[index] = value.values[zip(position, permutation).map { $0 * strides[$1] }.reduce(0, +)]
            var axis = shape.count - 1
            while axis >= 0 {
                position[axis] += 1
                if position[axis] < shape[axis] { break }
                position[axis] = 0
                axis -= 1
            }
        }
        return ONNXConstant(shape: shape, values: values, isInteger: value.isInteger)
    }

    /// Slice with starts, ends, axes and steps (inputs from opset 10, attributes before).
    private static func slice(_ node: ONNXNode, _ arguments: [ONNXConstant?], attributes: ONNXAttributes, opset: Int64,
                              fail: (String) -> ImportError) throws -> ONNXConstant {
        guard let value = arguments.first ?? nil else { throw fail("input 0 is missing") }
        let specification = try ONNXSliceSpecification(node, arguments, attributes: attributes, opset: opset, shape: value.shape,
                                                       fail: fail)
        var current = value
        for range in specification.ranges {
            let axis = range.axis
            let outer = current.shape[..<axis].reduce(1, *), inner = current.shape[(axis + 1)...].reduce(1, *)
            let extent = current.shape[axis]
            var values: [Double] = []
            for o in 0..<outer {
                for k in 0..<range.count {
                    let index = range.start + k * range.step
                    values.append(contentsOf: current.values[(o * extent + index) * inner..<(o * extent + index + 1) * inner])
                }
            }
            current.shape[axis] = range.count
            current.values = values
        }
        return current
    }

    /// NumPy-style broadcasting of a binary operation.
    private static func broadcast(_ a: ONNXConstant, _ b: ONNXConstant, fail: (String) -> ImportError,
                                  _ operation: (Double, Double, Bool) -> Double) throws -> ONNXConstant {
        let rank = max(a.shape.count, b.shape.count)
        let shapeA = [Int](repeating: 1, count: rank - a.shape.count) + a.shape
        let shapeB = [Int](repeating: 1, count: rank - b.shape.count) + b.shape
        var shape = [Int]()
        for (x, y) in zip(shapeA, shapeB) {
            guard x == y || x == 1 || y == 1 else { throw fail("shapes \(a.shape) and \(b.shape) do not broadcast") }
            shape.append(x == 1 ? y : x)
        }
        let integer = a.isInteger && b.isInteger
        guard let count = shape.checkedElementCount, count <= maximumFoldedCount else { throw fail("constant result too large") }
        func index(_ flat: Int, _ source: [Int]) -> Int {
            var remaining = flat, offset = 0, step = 1
            var strides = [Int](repeating: 0, count: rank)
            for axis in stride(from: rank - 1, through: 0, by: -1) { strides[axis] = source[axis] == 1 ? 0 : step; step *= source[axis] }
            for axis in stride(from: rank - 1, through: 0, by: -1) {
                let position = remaining % shape[axis]
                remaining /= shape[axis]
                offset += position * strides[axis]
            }
            return offset
        }
        let values = (0..<count).map { operation(a.values[index($0, shapeA)], b.values[index($0, shapeB)], integer) }
        return ONNXConstant(shape: shape, values: values, isInteger: integer)
    }
}
