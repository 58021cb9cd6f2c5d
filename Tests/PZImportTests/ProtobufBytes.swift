/// Builds protobuf wire-format bytes for tests (varints, length-delimited fields,
/// packed floats), to write malformed caffemodels.
struct ProtobufBytes {
    private(set) var bytes: [UInt8] = []

    private mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func field(_ number: Int, varint value: Int) {
        varint(UInt64(number << 3))
        varint(UInt64(bitPattern: Int64(value)))
    }

    mutating func field(_ number: Int, bytes payload: [UInt8]) {
        varint(UInt64(number << 3 | 2))
        varint(UInt64(payload.count))
        bytes.append(contentsOf: payload)
    }

    mutating func field(_ number: Int, string: String) { field(number, bytes: Array(string.utf8)) }

    mutating func field(_ number: Int, packedFloats values: [Float]) {
        field(number, bytes: values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
    }

    /// A BlobProto with an N-D shape and float data.
    static func blob(shape: [Int], values: [Float]) -> [UInt8] {
        var shapeMessage = ProtobufBytes()
        var dims = ProtobufBytes()
        for dim in shape { dims.varint(UInt64(dim)) }
        shapeMessage.field(1, bytes: dims.bytes)
        var blob = ProtobufBytes()
        blob.field(7, bytes: shapeMessage.bytes)
        blob.field(5, packedFloats: values)
        return blob.bytes
    }

    /// A NetParameter (current format) with one layer and the given blobs.
    static func caffemodel(layer: String, type: String, blobs: [[UInt8]]) -> [UInt8] {
        caffemodel(layers: [(layer, type, blobs)])
    }

    /// A NetParameter (current format) with the given layers and their blobs.
    static func caffemodel(layers: [(name: String, type: String, blobs: [[UInt8]])]) -> [UInt8] {
        var net = ProtobufBytes()
        for layer in layers {
            var layerMessage = ProtobufBytes()
            layerMessage.field(1, string: layer.name)
            layerMessage.field(2, string: layer.type)
            for blob in layer.blobs { layerMessage.field(7, bytes: blob) }
            net.field(100, bytes: layerMessage.bytes)
        }
        return net.bytes
    }
}
