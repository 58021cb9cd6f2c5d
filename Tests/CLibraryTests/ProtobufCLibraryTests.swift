import CCaffeProto
import Testing

/// Proves the libprotobuf-c system-library target and our generated Caffe schema
/// work: pack a BlobProto, unpack it, and read the values back.
@Suite struct ProtobufCLibraryTests {
    @Test func packsAndUnpacksABlob() throws {
        var shape = Caffe__BlobShape()
        caffe__blob_shape__init(&shape)
        var dims: [Int64] = [2, 3]
        var blob = Caffe__BlobProto()
        caffe__blob_proto__init(&blob)
        var values: [Float] = [1, -2, 3.5, 0, 1e-3, -7]
        let packed: [UInt8] = dims.withUnsafeMutableBufferPointer { dimsBuffer in
            values.withUnsafeMutableBufferPointer { valuesBuffer in
                shape.n_dim = 2
                shape.dim = dimsBuffer.baseAddress
                blob.n_data = 6
                blob.data = valuesBuffer.baseAddress
                return withUnsafeMutablePointer(to: &shape) { shapePointer in
                    blob.shape = shapePointer
                    var bytes = [UInt8](repeating: 0, count: caffe__blob_proto__get_packed_size(&blob))
                    let written = caffe__blob_proto__pack(&blob, &bytes)
                    return Array(bytes.prefix(written))
                }
            }
        }
        #expect(packed.count > 24)
        let unpacked = try #require(caffe__blob_proto__unpack(nil, packed.count, packed))
        defer { caffe__blob_proto__free_unpacked(unpacked, nil) }
        #expect(unpacked.pointee.shape.pointee.n_dim == 2)
        #expect(Array(UnsafeBufferPointer(start: unpacked.pointee.shape.pointee.dim, count: 2)) == [2, 3])
        #expect(Array(UnsafeBufferPointer(start: unpacked.pointee.data, count: Int(unpacked.pointee.n_data))) == values)
    }

    @Test func rejectsTruncatedBytes() {
        // A BlobProto whose packed `data` field (5) claims 16 bytes but holds 4.
        let truncated: [UInt8] = [0x2A, 0x10, 0x00, 0x00, 0x80, 0x3F]
        #expect(caffe__blob_proto__unpack(nil, truncated.count, truncated) == nil)
    }
}
