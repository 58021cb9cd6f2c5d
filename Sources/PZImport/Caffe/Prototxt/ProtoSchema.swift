import CCaffeProto
import CProtobufC

/// A message type of pzconv's Caffe schema, read from the protobuf-c descriptors
/// that protoc-c generated from `caffe.proto`.
struct ProtoMessageType: Equatable, @unchecked Sendable {
    let descriptor: UnsafePointer<ProtobufCMessageDescriptor>

    /// caffe.NetParameter, the root of a prototxt.
    static var netParameter: ProtoMessageType { ProtoMessageType(descriptor: pz_caffe_net_parameter_descriptor()) }

    /// "LayerParameter".
    var name: String { String(cString: descriptor.pointee.short_name) }

    /// The field called `name`, or nil.
    func field(named name: String) -> ProtoField? {
        guard let field = protobuf_c_message_descriptor_get_field_by_name(descriptor, name) else { return nil }
        return ProtoField(descriptor: field)
    }

    /// Every field name, for suggestions in errors.
    var fieldNames: [String] {
        (0..<Int(descriptor.pointee.n_fields)).map { String(cString: descriptor.pointee.fields[$0].name) }
    }
}

/// One field of a message type.
struct ProtoField: @unchecked Sendable {
    let descriptor: UnsafePointer<ProtobufCFieldDescriptor>

    var name: String { String(cString: descriptor.pointee.name) }
    var isRepeated: Bool { descriptor.pointee.label == PROTOBUF_C_LABEL_REPEATED }
    var type: ProtobufCType { descriptor.pointee.type }
    var isMessage: Bool { type == PROTOBUF_C_TYPE_MESSAGE }

    /// The sub-message type of a message field.
    var messageType: ProtoMessageType? {
        guard isMessage, let raw = descriptor.pointee.descriptor else { return nil }
        return ProtoMessageType(descriptor: raw.assumingMemoryBound(to: ProtobufCMessageDescriptor.self))
    }

    private var enumDescriptor: UnsafePointer<ProtobufCEnumDescriptor>? {
        guard type == PROTOBUF_C_TYPE_ENUM, let raw = descriptor.pointee.descriptor else { return nil }
        return raw.assumingMemoryBound(to: ProtobufCEnumDescriptor.self)
    }

    /// The enum value called `name`, or nil.
    func enumValue(named name: String) -> Int32? {
        guard let enumDescriptor, let value = protobuf_c_enum_descriptor_get_value_by_name(enumDescriptor, name) else {
            return nil
        }
        return value.pointee.value
    }

    /// The name of enum value `number`, or nil when the enum has no such value.
    func enumName(of number: Int32) -> String? {
        guard let enumDescriptor, let value = protobuf_c_enum_descriptor_get_value(enumDescriptor, number) else {
            return nil
        }
        return String(cString: value.pointee.name)
    }

    /// The value of an absent field: the proto's explicit default, or the type's zero
    /// (the first value for enums).
    var defaultValue: ProtoValue {
        let raw = descriptor.pointee.default_value
        switch type {
        case PROTOBUF_C_TYPE_INT32, PROTOBUF_C_TYPE_SINT32, PROTOBUF_C_TYPE_SFIXED32:
            return .integer(Int64(raw?.load(as: Int32.self) ?? 0))
        case PROTOBUF_C_TYPE_INT64, PROTOBUF_C_TYPE_SINT64, PROTOBUF_C_TYPE_SFIXED64:
            return .integer(raw?.load(as: Int64.self) ?? 0)
        case PROTOBUF_C_TYPE_UINT32, PROTOBUF_C_TYPE_FIXED32:
            return .integer(Int64(raw?.load(as: UInt32.self) ?? 0))
        case PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_TYPE_FIXED64:
            return .integer(Int64(clamping: raw?.load(as: UInt64.self) ?? 0))
        case PROTOBUF_C_TYPE_FLOAT:
            return .real(Double(raw?.load(as: Float.self) ?? 0))
        case PROTOBUF_C_TYPE_DOUBLE:
            return .real(raw?.load(as: Double.self) ?? 0)
        case PROTOBUF_C_TYPE_BOOL:
            return .boolean((raw?.load(as: protobuf_c_boolean.self) ?? 0) != 0)
        case PROTOBUF_C_TYPE_ENUM:
            let number = raw?.load(as: Int32.self) ?? enumDescriptor.map { $0.pointee.values[0].value } ?? 0
            return .enumeration(name: enumName(of: number) ?? String(number), number: number)
        case PROTOBUF_C_TYPE_STRING:
            return .string(raw.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? "")
        default:
            return .string("")
        }
    }
}
