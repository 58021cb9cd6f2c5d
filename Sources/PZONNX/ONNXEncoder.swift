import CONNXProto
import CProtobufC
import Foundation

/// Writes an `ONNXModel` as a `.onnx` file's bytes through libprotobuf-c: the
/// Swift values are copied into protoc-c's C structs (every allocation owned by
/// one arena, freed after packing), then `onnx__model_proto__pack` serializes
/// them. Fields are written in field-number order, so equal models give equal
/// bytes.
public enum ONNXEncoder {
    public static func encode(_ model: ONNXModel) -> [UInt8] {
        let arena = Arena()
        defer { arena.freeAll() }
        let proto = arena.model(model)
        let size = onnx__model_proto__get_packed_size(proto)
        var bytes = [UInt8](repeating: 0, count: size)
        let written = bytes.withUnsafeMutableBufferPointer { onnx__model_proto__pack(proto, $0.baseAddress) }
        precondition(written == size, "protobuf-c packed \(written) of \(size) bytes")
        return bytes
    }

    /// Owns every C allocation of one encoding.
    private final class Arena {
        private var allocations: [UnsafeMutableRawPointer] = []

        func freeAll() {
            for pointer in allocations { free(pointer) }
            allocations.removeAll()
        }

        /// `count` zeroed values of `T` (nil for none).
        func array<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T>? {
            guard count > 0 else { return nil }
            let raw = calloc(count, MemoryLayout<T>.stride)!
            allocations.append(raw)
            return raw.bindMemory(to: T.self, capacity: count)
        }

        func copy<T>(_ values: [T]) -> UnsafeMutablePointer<T>? {
            guard let pointer = array(T.self, count: values.count) else { return nil }
            for (index, value) in values.enumerated() { pointer[index] = value }
            return pointer
        }

        /// A NUL-terminated copy; nil for the empty string (the field is then absent).
        func string(_ text: String) -> UnsafeMutablePointer<CChar>? {
            guard !text.isEmpty else { return nil }
            let utf8 = Array(text.utf8CString)
            return copy(utf8)
        }

        func strings(_ texts: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
            copy(texts.map { text -> UnsafeMutablePointer<CChar>? in
                // Repeated strings must be present even when empty (an omitted optional input is "").
                copy(Array(text.utf8CString))
            })
        }

        func binary(_ bytes: [UInt8]) -> ProtobufCBinaryData {
            ProtobufCBinaryData(len: bytes.count, data: copy(bytes))
        }

        func message<T>(_ type: T.Type, _ initialize: (UnsafeMutablePointer<T>) -> Void) -> UnsafeMutablePointer<T> {
            let pointer = array(T.self, count: 1)!
            initialize(pointer)
            return pointer
        }

        func messages<Value, T>(_ values: [Value], _ make: (Value) -> UnsafeMutablePointer<T>)
            -> UnsafeMutablePointer<UnsafeMutablePointer<T>?>? {
            copy(values.map { Optional(make($0)) })
        }

        func model(_ model: ONNXModel) -> UnsafeMutablePointer<Onnx__ModelProto> {
            message(Onnx__ModelProto.self) { proto in
                onnx__model_proto__init(proto)
                proto.pointee.has_ir_version = 1
                proto.pointee.ir_version = model.irVersion
                let opsets = model.opsets.sorted { $0.key < $1.key }
                proto.pointee.n_opset_import = opsets.count
                proto.pointee.opset_import = messages(opsets) { opset in
                    message(Onnx__OperatorSetIdProto.self) {
                        onnx__operator_set_id_proto__init($0)
                        $0.pointee.domain = string(opset.key)
                        $0.pointee.has_version = 1
                        $0.pointee.version = opset.value
                    }
                }
                proto.pointee.producer_name = string(model.producerName)
                proto.pointee.producer_version = string(model.producerVersion)
                proto.pointee.doc_string = string(model.docString)
                proto.pointee.n_metadata_props = model.metadata.count
                proto.pointee.metadata_props = messages(model.metadata) { entry($0.key, $0.value) }
                proto.pointee.graph = graph(model.graph)
            }
        }

        func entry(_ key: String, _ value: String) -> UnsafeMutablePointer<Onnx__StringStringEntryProto> {
            message(Onnx__StringStringEntryProto.self) {
                onnx__string_string_entry_proto__init($0)
                $0.pointee.key = copy(Array(key.utf8CString))
                $0.pointee.value = copy(Array(value.utf8CString))
            }
        }

        func graph(_ graph: ONNXGraph) -> UnsafeMutablePointer<Onnx__GraphProto> {
            message(Onnx__GraphProto.self) { proto in
                onnx__graph_proto__init(proto)
                proto.pointee.name = string(graph.name)
                proto.pointee.doc_string = string(graph.docString)
                proto.pointee.n_node = graph.nodes.count
                proto.pointee.node = messages(graph.nodes) { node($0) }
                proto.pointee.n_initializer = graph.initializers.count
                proto.pointee.initializer = messages(graph.initializers) { tensor($0) }
                proto.pointee.n_input = graph.inputs.count
                proto.pointee.input = messages(graph.inputs) { valueInfo($0) }
                proto.pointee.n_output = graph.outputs.count
                proto.pointee.output = messages(graph.outputs) { valueInfo($0) }
                proto.pointee.n_value_info = graph.valueInfo.count
                proto.pointee.value_info = messages(graph.valueInfo) { valueInfo($0) }
            }
        }

        func node(_ node: ONNXNode) -> UnsafeMutablePointer<Onnx__NodeProto> {
            message(Onnx__NodeProto.self) { proto in
                onnx__node_proto__init(proto)
                proto.pointee.name = string(node.name)
                proto.pointee.op_type = string(node.opType)
                proto.pointee.domain = string(node.domain)
                proto.pointee.doc_string = string(node.docString)
                proto.pointee.n_input = node.inputs.count
                proto.pointee.input = strings(node.inputs)
                proto.pointee.n_output = node.outputs.count
                proto.pointee.output = strings(node.outputs)
                proto.pointee.n_attribute = node.attributes.count
                proto.pointee.attribute = messages(node.attributes) { attribute($0) }
            }
        }

        func attribute(_ attribute: ONNXAttribute) -> UnsafeMutablePointer<Onnx__AttributeProto> {
            message(Onnx__AttributeProto.self) { proto in
                onnx__attribute_proto__init(proto)
                proto.pointee.name = string(attribute.name)
                proto.pointee.has_type = 1
                switch attribute.value {
                case .float(let value):
                    proto.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT
                    proto.pointee.has_f = 1
                    proto.pointee.f = value
                case .int(let value):
                    proto.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT
                    proto.pointee.has_i = 1
                    proto.pointee.i = value
                case .string(let value):
                    proto.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING
                    proto.pointee.has_s = 1
                    proto.pointee.s = binary(Array(value.utf8))
                case .tensor(let value):
                    proto.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR
                    proto.pointee.t = tensor(value)
                case .floats(let values):
                    proto.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS
                    proto.pointee.n_floats = values.count
                    proto.pointee.floats = copy(values)
                case .ints(let values):
                    proto.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS
                    proto.pointee.n_ints = values.count
                    proto.pointee.ints = copy(values)
                case .strings(let values):
                    proto.pointee.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS
                    proto.pointee.n_strings = values.count
                    proto.pointee.strings = copy(values.map { binary(Array($0.utf8)) })
                }
            }
        }

        func valueInfo(_ info: ONNXValueInfo) -> UnsafeMutablePointer<Onnx__ValueInfoProto> {
            message(Onnx__ValueInfoProto.self) { proto in
                onnx__value_info_proto__init(proto)
                proto.pointee.name = string(info.name)
                proto.pointee.doc_string = string(info.docString)
                proto.pointee.type = message(Onnx__TypeProto.self) { type in
                    onnx__type_proto__init(type)
                    type.pointee.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
                    type.pointee.tensor_type = message(Onnx__TypeProto__Tensor.self) { tensorType in
                        onnx__type_proto__tensor__init(tensorType)
                        tensorType.pointee.has_elem_type = 1
                        tensorType.pointee.elem_type = info.elementType
                        if let shape = info.shape { tensorType.pointee.shape = self.shape(shape) }
                    }
                }
            }
        }

        func shape(_ dims: [ONNXValueInfo.Dimension]) -> UnsafeMutablePointer<Onnx__TensorShapeProto> {
            message(Onnx__TensorShapeProto.self) { proto in
                onnx__tensor_shape_proto__init(proto)
                proto.pointee.n_dim = dims.count
                proto.pointee.dim = messages(dims) { dim in
                    message(Onnx__TensorShapeProto__Dimension.self) { dimension in
                        onnx__tensor_shape_proto__dimension__init(dimension)
                        switch dim {
                        case .value(let value):
                            dimension.pointee.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                            dimension.pointee.dim_value = value
                        case .symbol(let name):
                            dimension.pointee.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
                            dimension.pointee.dim_param = copy(Array(name.utf8CString))
                        case .unknown:
                            break
                        }
                    }
                }
            }
        }

        func tensor(_ tensor: ONNXTensor) -> UnsafeMutablePointer<Onnx__TensorProto> {
            message(Onnx__TensorProto.self) { proto in
                onnx__tensor_proto__init(proto)
                proto.pointee.name = string(tensor.name)
                proto.pointee.has_data_type = 1
                proto.pointee.data_type = tensor.dataType
                proto.pointee.n_dims = tensor.dims.count
                proto.pointee.dims = copy(tensor.dims)
                switch tensor.storage {
                case .floats(let values):
                    proto.pointee.n_float_data = values.count
                    proto.pointee.float_data = copy(values)
                case .doubles(let values):
                    proto.pointee.n_double_data = values.count
                    proto.pointee.double_data = copy(values)
                case .int32s(let values):
                    proto.pointee.n_int32_data = values.count
                    proto.pointee.int32_data = copy(values)
                case .int64s(let values):
                    proto.pointee.n_int64_data = values.count
                    proto.pointee.int64_data = copy(values)
                case .raw(let bytes):
                    proto.pointee.has_raw_data = 1
                    proto.pointee.raw_data = binary(bytes)
                case .external(let location, let offset, let length):
                    var entries = [("location", location), ("offset", String(offset))]
                    if let length { entries.append(("length", String(length))) }
                    proto.pointee.has_data_location = 1
                    proto.pointee.data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL
                    proto.pointee.n_external_data = entries.count
                    proto.pointee.external_data = messages(entries) { entry($0.0, $0.1) }
                }
            }
        }
    }
}
