import CONNXProto
import CProtobufC

/// Reads a `.onnx` file's bytes (a `ModelProto`) into an `ONNXModel`.
///
/// libprotobuf-c checks the wire format and the types; this code then copies
/// what pzconv uses into Swift values and refuses, by name, what a single
/// inference graph of dense tensors does not have (functions, training info,
/// sparse tensors, graph-valued attributes). Tensor values are copied as stored;
/// their sizes are checked when they are used (`ONNXTensorValues`).
public enum ONNXDecoder {
    /// `path` names the file in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> ONNXModel {
        guard !bytes.isEmpty else { throw ONNXFormatError("\(path): empty file, not an ONNX model") }
        if ONNXNestingCheck.depth(of: bytes) > ONNXNestingCheck.maximumDepth {
            throw ONNXFormatError("\(path): messages nested more than \(ONNXNestingCheck.maximumDepth) deep, not a model pzconv reads")
        }
        guard let proto = onnx__model_proto__unpack(nil, bytes.count, bytes) else {
            throw ONNXFormatError("\(path): not a valid ONNX model (truncated or corrupted protobuf)")
        }
        defer { onnx__model_proto__free_unpacked(proto, nil) }
        return try Reader(path: path).model(proto.pointee)
    }

    private struct Reader {
        let path: String

        func fail(_ message: String) -> ONNXFormatError { ONNXFormatError("\(path): \(message)") }

        func model(_ proto: Onnx__ModelProto) throws -> ONNXModel {
            guard proto.n_functions == 0 else { throw fail("model-local functions (ModelProto.functions) are not supported") }
            guard proto.n_training_info == 0 else { throw fail("training information (ModelProto.training_info) is not supported") }
            guard let graphProto = proto.graph else { throw fail("the model has no graph (ModelProto.graph)") }
            var opsets: [String: Int64] = [:]
            for entry in buffer(proto.opset_import, proto.n_opset_import) {
                let domain = text(entry.pointee.domain)
                guard entry.pointee.has_version != 0 else { throw fail("opset_import for domain '\(domain)' has no version") }
                opsets[domain] = entry.pointee.version
            }
            return ONNXModel(irVersion: proto.has_ir_version != 0 ? proto.ir_version : 0, opsets: opsets,
                             producerName: text(proto.producer_name), producerVersion: text(proto.producer_version),
                             docString: text(proto.doc_string),
                             metadata: metadata(proto.metadata_props, proto.n_metadata_props),
                             graph: try graph(graphProto.pointee))
        }

        func graph(_ proto: Onnx__GraphProto) throws -> ONNXGraph {
            guard proto.n_sparse_initializer == 0 else { throw fail("sparse initializers are not supported") }
            return ONNXGraph(name: text(proto.name),
                             nodes: try buffer(proto.node, proto.n_node).map { try node($0.pointee) },
                             initializers: try buffer(proto.initializer, proto.n_initializer).map { try tensor($0.pointee) },
                             inputs: try buffer(proto.input, proto.n_input).map { try valueInfo($0.pointee) },
                             outputs: try buffer(proto.output, proto.n_output).map { try valueInfo($0.pointee) },
                             valueInfo: try buffer(proto.value_info, proto.n_value_info).map { try valueInfo($0.pointee) },
                             docString: text(proto.doc_string))
        }

        func node(_ proto: Onnx__NodeProto) throws -> ONNXNode {
            var node = ONNXNode(name: text(proto.name), opType: text(proto.op_type), domain: text(proto.domain),
                                inputs: strings(proto.input, proto.n_input), outputs: strings(proto.output, proto.n_output),
                                docString: text(proto.doc_string))
            node.attributes = try buffer(proto.attribute, proto.n_attribute).map { try attribute($0.pointee, of: node) }
            return node
        }

        func attribute(_ proto: Onnx__AttributeProto, of node: ONNXNode) throws -> ONNXAttribute {
            let name = text(proto.name)
            let field = "node \(node.label), attribute '\(name)'"
            guard proto.ref_attr_name == nil || text(proto.ref_attr_name).isEmpty else {
                throw fail("\(field) refers to a function attribute, which only functions may do")
            }
            let value: ONNXAttribute.Value
            switch proto.has_type != 0 ? Int(proto.type.rawValue) : 0 {
            case 1: value = .float(proto.f)
            case 2: value = .int(proto.i)
            case 3: value = .string(String(decoding: bytes(proto.s), as: UTF8.self))
            case 4:
                guard let tensorProto = proto.t else { throw fail("\(field) is a TENSOR without a tensor") }
                value = .tensor(try tensor(tensorProto.pointee))
            case 6: value = .floats(Array(buffer(proto.floats, proto.n_floats)))
            case 7: value = .ints(Array(buffer(proto.ints, proto.n_ints)))
            case 8: value = .strings(buffer(proto.strings, proto.n_strings).map { String(decoding: bytes($0), as: UTF8.self) })
            case 0: throw fail("\(field) has no type (AttributeProto.type)")
            case 5, 10: throw fail("\(field) holds a subgraph; control flow (If, Loop, Scan) is not supported")
            default: throw fail("\(field) has attribute type \(proto.type.rawValue), which pzconv does not read")
            }
            return ONNXAttribute(name, value)
        }

        func valueInfo(_ proto: Onnx__ValueInfoProto) throws -> ONNXValueInfo {
            let name = text(proto.name)
            guard let type = proto.type else { return ONNXValueInfo(name: name, elementType: 0, shape: nil) }
            guard type.pointee.value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE, let tensorType = type.pointee.tensor_type else {
                throw fail("value '\(name)' is not a dense tensor (sequences, maps, optionals and sparse tensors are not supported)")
            }
            let elementType = tensorType.pointee.has_elem_type != 0 ? tensorType.pointee.elem_type : 0
            guard let shapeProto = tensorType.pointee.shape else {
                return ONNXValueInfo(name: name, elementType: elementType, shape: nil, docString: text(proto.doc_string))
            }
            let shape: [ONNXValueInfo.Dimension] = buffer(shapeProto.pointee.dim, shapeProto.pointee.n_dim).map { dim in
                switch dim.pointee.value_case {
                case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE: .value(dim.pointee.dim_value)
                case ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM: .symbol(text(dim.pointee.dim_param))
                default: .unknown
                }
            }
            return ONNXValueInfo(name: name, elementType: elementType, shape: shape, docString: text(proto.doc_string))
        }

        func tensor(_ proto: Onnx__TensorProto) throws -> ONNXTensor {
            let name = text(proto.name)
            let dataType = proto.has_data_type != 0 ? proto.data_type : 0
            let dims = Array(buffer(proto.dims, proto.n_dims))
            guard proto.segment == nil else { throw fail("tensor '\(name)' is a segment of a larger tensor, which is not supported") }
            if proto.has_data_location != 0, proto.data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL {
                return ONNXTensor(name: name, dataType: dataType, dims: dims, storage: try external(proto, name: name))
            }
            let storage: ONNXTensor.Storage
            if proto.has_raw_data != 0 {
                storage = .raw(bytes(proto.raw_data))
            } else if proto.n_float_data > 0 {
                storage = .floats(Array(buffer(proto.float_data, proto.n_float_data)))
            } else if proto.n_double_data > 0 {
                storage = .doubles(Array(buffer(proto.double_data, proto.n_double_data)))
            } else if proto.n_int64_data > 0 {
                storage = .int64s(Array(buffer(proto.int64_data, proto.n_int64_data)))
            } else if proto.n_int32_data > 0 {
                storage = .int32s(Array(buffer(proto.int32_data, proto.n_int32_data)))
            } else if proto.n_string_data > 0 || proto.n_uint64_data > 0 {
                throw fail("tensor '\(name)' holds \(ONNXDataType.name(dataType)) values, which pzconv does not read")
            } else {
                storage = .raw([])
            }
            return ONNXTensor(name: name, dataType: dataType, dims: dims, storage: storage)
        }

        /// The `external_data` entries of an EXTERNAL tensor (location required;
        /// offset and length decimal, as onnx.proto specifies).
        func external(_ proto: Onnx__TensorProto, name: String) throws -> ONNXTensor.Storage {
            var location: String?
            var offset = 0
            var length: Int?
            for entry in metadata(proto.external_data, proto.n_external_data) {
                switch entry.key {
                case "location": location = entry.value
                case "offset":
                    guard let value = Int(entry.value), value >= 0 else { throw fail("tensor '\(name)': external_data offset '\(entry.value)' is not a byte offset") }
                    offset = value
                case "length":
                    guard let value = Int(entry.value), value >= 0 else { throw fail("tensor '\(name)': external_data length '\(entry.value)' is not a byte count") }
                    length = value
                default: continue
                }
            }
            guard let location, !location.isEmpty else { throw fail("tensor '\(name)' is stored externally but names no location") }
            return .external(location: location, offset: offset, length: length)
        }

        func metadata(_ entries: UnsafeMutablePointer<UnsafeMutablePointer<Onnx__StringStringEntryProto>?>?,
                      _ count: Int) -> [ONNXMetadataEntry] {
            buffer(entries, count).map { ONNXMetadataEntry(key: text($0.pointee.key), value: text($0.pointee.value)) }
        }
    }
}

// MARK: C helpers

/// The non-nil elements of a protobuf-c repeated field of messages.
private func buffer<T>(_ pointer: UnsafeMutablePointer<UnsafeMutablePointer<T>?>?, _ count: Int) -> [UnsafeMutablePointer<T>] {
    guard let pointer, count > 0 else { return [] }
    return UnsafeBufferPointer(start: pointer, count: count).compactMap { $0 }
}

/// A protobuf-c repeated scalar field.
private func buffer<T>(_ pointer: UnsafeMutablePointer<T>?, _ count: Int) -> UnsafeBufferPointer<T> {
    guard let pointer, count > 0 else { return UnsafeBufferPointer(start: nil, count: 0) }
    return UnsafeBufferPointer(start: pointer, count: count)
}

private func strings(_ pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ count: Int) -> [String] {
    guard let pointer, count > 0 else { return [] }
    return UnsafeBufferPointer(start: pointer, count: count).map { text($0) }
}

private func text(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
    pointer.map { String(cString: $0) } ?? ""
}

private func bytes(_ data: ProtobufCBinaryData) -> [UInt8] {
    guard let start = data.data, data.len > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: start, count: data.len))
}
