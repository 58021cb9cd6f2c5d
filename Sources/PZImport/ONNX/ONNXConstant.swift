import PZGraph
import PZONNX

/// A constant of an ONNX graph during import (an initializer, a Constant node, or
/// the result of folding shape arithmetic): a shape and its values in C order,
/// held as Double so float32 and int64 both round-trip exactly (int64 values of
/// shapes and indices are far below 2^53).
struct ONNXConstant: Equatable {
    var shape: [Int]
    var values: [Double]
    /// Integer element type (int64, int32, bool …): division truncates, Cast to it rounds toward zero.
    var isInteger: Bool

    init(shape: [Int], values: [Double], isInteger: Bool) {
        self.shape = shape
        self.values = values
        self.isInteger = isInteger
    }

    var floats: [Float] { values.map(Float.init) }

    /// The values as integers (for shapes, axes, pads), or nil when one is not whole or too large.
    var integers: [Int]? {
        values.allSatisfy { $0 == $0.rounded() && abs($0) < 9.0e15 } ? values.map { Int($0) } : nil
    }

    /// The values as Swift `Int`, clamping huge magnitudes (ONNX writes INT64_MAX for
    /// "to the end"); nil when one is not a number.
    var clampedIntegers: [Int]? {
        guard values.allSatisfy({ !$0.isNaN }) else { return nil }
        return values.map { $0 >= 9.0e18 ? Int.max / 2 : $0 <= -9.0e18 ? Int.min / 2 : Int($0.rounded(.towardZero)) }
    }

    /// Reads an ONNX tensor's values (`external` resolves EXTERNAL storage to its bytes).
    init(_ tensor: ONNXTensor, file: String, external: (String, Int, Int?) throws -> [UInt8]) throws {
        let what = "\(file): tensor '\(tensor.name)'"
        guard tensor.dims.allSatisfy({ $0 >= 0 && $0 <= Int64(Graph.maximumElementCount) }),
              let count = tensor.dims.map({ Int($0) }).checkedElementCount, count <= Graph.maximumElementCount,
              let extent = tensor.dims.map({ max(Int($0), 1) }).checkedElementCount, extent <= Graph.maximumElementCount else {
            throw ImportError("\(what) has invalid dimensions \(tensor.dims)")
        }
        shape = tensor.dims.map { Int($0) }
        let type = tensor.dataType
        isInteger = ![ONNXDataType.float, ONNXDataType.double, ONNXDataType.float16].contains(type)
        switch tensor.storage {
        case .floats(let floats) where type == ONNXDataType.float:
            values = floats.map(Double.init)
        case .doubles(let doubles) where type == ONNXDataType.double:
            values = doubles
        case .int64s(let integers) where type == ONNXDataType.int64:
            values = integers.map(Double.init)
        case .int32s(let integers) where [ONNXDataType.int32, ONNXDataType.int8, ONNXDataType.uint8, ONNXDataType.bool].contains(type):
            values = integers.map(Double.init)
        case .int32s(let halves) where type == ONNXDataType.float16:
            values = halves.map { Double(Float(Float16(bitPattern: UInt16(truncatingIfNeeded: $0)))) }
        case .raw(let bytes):
            values = try Self.decodeRaw(bytes, type: type, what: what)
        case .external(let location, let offset, let length):
            values = try Self.decodeRaw(try external(location, offset, length), type: type, what: what)
        default:
            throw ImportError("\(what): \(ONNXDataType.name(type)) values stored in a field that does not hold them")
        }
        guard values.count == count else {
            throw ImportError("\(what) holds \(values.count) values for dimensions \(tensor.dims) (\(count) expected)")
        }
    }

    private static func decodeRaw(_ bytes: [UInt8], type: Int32, what: String) throws -> [Double] {
        let reader = ByteReader(bytes)
        func count(ofSize size: Int) throws -> Int {
            guard bytes.count % size == 0 else {
                throw ImportError("\(what): \(bytes.count) raw bytes are not a whole number of \(ONNXDataType.name(type)) values")
            }
            return bytes.count / size
        }
        func words<T: FixedWidthInteger>(_: T.Type) throws -> [T] {
            let size = MemoryLayout<T>.size
            return (0..<(try count(ofSize: size))).map { reader.read(T.self, at: $0 * size)! }
        }
        switch type {
        case ONNXDataType.float: return reader.floats(at: 0, count: try count(ofSize: 4))!.map(Double.init)
        case ONNXDataType.double: return try words(UInt64.self).map { Double(bitPattern: $0) }
        case ONNXDataType.float16: return try words(UInt16.self).map { Double(Float(Float16(bitPattern: $0))) }
        case ONNXDataType.int64: return try words(Int64.self).map(Double.init)
        case ONNXDataType.int32: return try words(Int32.self).map(Double.init)
        case ONNXDataType.int8: return try words(Int8.self).map(Double.init)
        case ONNXDataType.uint8, ONNXDataType.bool: return bytes.map(Double.init)
        default: throw ImportError("\(what) has element type \(ONNXDataType.name(type)), which pzconv does not read")
        }
    }
}
