import PZONNX

/// Typed access to a node's attributes; a wrong type is an error naming the node
/// and attribute.
struct ONNXAttributes {
    let node: ONNXNode
    let file: String

    init(_ node: ONNXNode, file: String) {
        self.node = node
        self.file = file
    }

    func fail(_ name: String, _ message: String) -> ImportError {
        ImportError("\(file): node \(node.label), attribute '\(name)': \(message)")
    }

    func int(_ name: String, default fallback: Int64? = nil) throws -> Int64 {
        switch node.attribute(name) {
        case .int(let value)?: return value
        case nil:
            guard let fallback else { throw fail(name, "required, missing") }
            return fallback
        default: throw fail(name, "expected an integer")
        }
    }

    func float(_ name: String, default fallback: Float) throws -> Float {
        switch node.attribute(name) {
        case .float(let value)?: return value
        case nil: return fallback
        default: throw fail(name, "expected a float")
        }
    }

    func string(_ name: String, default fallback: String) throws -> String {
        switch node.attribute(name) {
        case .string(let value)?: return value
        case nil: return fallback
        default: throw fail(name, "expected a string")
        }
    }

    func intsIfPresent(_ name: String) throws -> [Int]? {
        switch node.attribute(name) {
        case .ints(let values)?:
            guard values.allSatisfy({ abs($0) <= 1 << 40 }) else { throw fail(name, "value out of range") }
            return values.map { Int($0) }
        case nil: return nil
        default: throw fail(name, "expected a list of integers")
        }
    }

    func floatsIfPresent(_ name: String) throws -> [Float]? {
        switch node.attribute(name) {
        case .floats(let values)?: return values
        case nil: return nil
        default: throw fail(name, "expected a list of floats")
        }
    }

    func tensorIfPresent(_ name: String) throws -> ONNXTensor? {
        switch node.attribute(name) {
        case .tensor(let value)?: return value
        case nil: return nil
        default: throw fail(name, "expected a tensor")
        }
    }

    /// An axis attribute normalized to `0..<rank` (negative counts from the end).
    func axis(_ name: String, default fallback: Int64?, rank: Int) throws -> Int {
        let value = try int(name, default: fallback)
        let axis = value < 0 ? Int(value) + rank : Int(value)
        guard (0..<max(rank, 1)).contains(axis) else { throw fail(name, "axis \(value) is outside rank \(rank)") }
        return axis
    }
}

/// The index ranges a Slice keeps, per axis, with ONNX's clamping of starts and
/// ends (negative from the end; INT64_MAX for "to the end"); steps other than 1
/// and −1 are refused.
struct ONNXSliceSpecification {
    /// Indices `start, start + step, …` (`count` of them) along one axis.
    struct AxisRange {
        var axis: Int
        var start: Int
        var count: Int
        var step: Int

        var first: Int { start }
        var last: Int { start + (count - 1) * step }
    }

    var ranges: [AxisRange]

    init(_ node: ONNXNode, _ arguments: [ONNXConstant?], attributes: ONNXAttributes, opset: Int64, shape: [Int],
         fail: (String) -> ImportError) throws {
        let starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?
        func input(_ index: Int) throws -> [Int]? {
            guard index < arguments.count, let value = arguments[index] else { return nil }
            guard let integers = value.clampedIntegers else { throw fail("input \(index) holds a value that is not a number") }
            return integers
        }
        func attribute(_ name: String) throws -> [Int]? {
            switch node.attribute(name) {
            case .ints(let values)?: return values.map { $0 >= Int64(Int.max / 2) ? Int.max / 2 : $0 <= Int64(Int.min / 2) ? Int.min / 2 : Int($0) }
            case nil: return nil
            default: throw fail("attribute '\(name)' must be a list of integers")
            }
        }
        if opset >= 10 {
            guard let s = try input(1), let e = try input(2) else { throw fail("starts and ends must be constants") }
            (starts, ends, axes, steps) = (s, e, try input(3), try input(4))
        } else {
            guard let s = try attribute("starts"), let e = try attribute("ends") else { throw fail("needs starts and ends") }
            (starts, ends, axes, steps) = (s, e, try attribute("axes"), nil)
        }
        let axisList = axes ?? Array(0..<starts.count)
        guard starts.count == ends.count, axisList.count == starts.count, (steps?.count ?? starts.count) == starts.count else {
            throw fail("starts, ends, axes and steps differ in length")
        }
        ranges = []
        for (index, rawAxis) in axisList.enumerated() {
            let axis = rawAxis < 0 ? rawAxis + shape.count : rawAxis
            guard shape.indices.contains(axis) else { throw fail("axis \(rawAxis) outside rank \(shape.count)") }
            let extent = shape[axis], step = steps?[index] ?? 1
            func normalized(_ value: Int) -> Int { value < 0 ? value + extent : value }
            switch step {
            case 1:
                let start = min(max(normalized(starts[index]), 0), extent), end = min(max(normalized(ends[index]), 0), extent)
                ranges.append(AxisRange(axis: axis, start: start, count: max(end - start, 0), step: 1))
            case -1:
                let start = min(max(normalized(starts[index]), -1), extent - 1), end = min(max(normalized(ends[index]), -1), extent - 1)
                ranges.append(AxisRange(axis: axis, start: start, count: max(start - end, 0), step: -1))
            default:
                throw fail("step \(step) is not supported (1 or -1)")
            }
        }
    }
}
