import Foundation
import PZCommands
import PZGraph

// The model functions of include/pzconv.h; each documents itself there.

public typealias ErrorOut = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?

/// The model behind a `pzconv_model *`, not retained.
func model(_ handle: OpaquePointer?) throws -> LoadedModel {
    guard let handle else { throw LibraryError.argument("model is NULL") }
    return Unmanaged<LoadedModel>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
}

/// The body of both load functions: checks the out-parameter and the thread
/// count, then stores the model `load` makes (retained) in `out`.
private func loading(into out: UnsafeMutablePointer<OpaquePointer?>?, threads: Int32, error: ErrorOut,
                     _ load: (_ threads: Int) throws -> LoadedModel) -> Int32 {
    reportingErrors(error) {
        guard let out else { throw LibraryError.argument("model (the out-parameter) is NULL") }
        out.pointee = nil
        guard threads >= 0 else { throw LibraryError.argument("threads must be 0 (every core) or more, not \(threads)") }
        out.pointee = OpaquePointer(Unmanaged.passRetained(try load(Int(threads))).toOpaque())
    }
}

@_cdecl("pzconv_version")
public func pzconv_version() -> UnsafePointer<CChar> { LibraryVersion.text }

@_cdecl("pzconv_api_version")
public func pzconv_api_version() -> Int32 { 1 }

@_cdecl("pzconv_string_free")
public func pzconv_string_free(_ string: UnsafeMutablePointer<CChar>?) { free(string) }

@_cdecl("pzconv_model_load")
public func pzconv_model_load(_ path: UnsafePointer<CChar>?, _ threads: Int32,
                              _ out: UnsafeMutablePointer<OpaquePointer?>?, _ error: ErrorOut) -> Int32 {
    loading(into: out, threads: threads, error: error) { threads in
        LibraryVersion.findWorker()
        return try LoadedModel.load(path: try string(path, "path"), threads: threads)
    }
}

@_cdecl("pzconv_model_load_memory")
public func pzconv_model_load_memory(_ bytes: UnsafeRawPointer?, _ length: Int, _ format: UnsafePointer<CChar>?,
                                     _ threads: Int32, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                     _ error: ErrorOut) -> Int32 {
    loading(into: out, threads: threads, error: error) { threads in
        guard let bytes, length > 0 else { throw LibraryError.argument("bytes is NULL or length is 0") }
        let copy = [UInt8](UnsafeRawBufferPointer(start: bytes, count: length))
        return try LoadedModel.load(bytes: copy, format: try string(format, "format"), threads: threads)
    }
}

@_cdecl("pzconv_model_free")
public func pzconv_model_free(_ handle: OpaquePointer?) {
    guard let handle else { return }
    Unmanaged<LoadedModel>.fromOpaque(UnsafeRawPointer(handle)).release()
}

@_cdecl("pzconv_model_input_count")
public func pzconv_model_input_count(_ handle: OpaquePointer?) -> Int { (try? model(handle).inputs.count) ?? 0 }

@_cdecl("pzconv_model_output_count")
public func pzconv_model_output_count(_ handle: OpaquePointer?) -> Int { (try? model(handle).outputs.count) ?? 0 }

@_cdecl("pzconv_model_tensor")
public func pzconv_model_tensor(_ handle: OpaquePointer?, _ isOutput: Int32, _ index: Int, _ layout: Int32,
                                _ name: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                                _ sourceLayout: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                                _ rank: UnsafeMutablePointer<Int>?, _ shape: UnsafeMutablePointer<Int64>?,
                                _ error: ErrorOut) -> Int32 {
    reportingErrors(error) {
        let loaded = try model(handle)
        let tensors = isOutput != 0 ? loaded.outputs : loaded.inputs
        guard index >= 0 && index < tensors.count else {
            throw LibraryError.argument("\(loaded.name) has \(tensors.count) \(isOutput != 0 ? "output" : "input")(s); "
                                        + "index \(index) is out of range")
        }
        let tensor = tensors[index]
        let dimensions = tensor.shape(try LibraryLayout(checking: layout))
        name?.pointee = UnsafePointer(tensor.cName)
        sourceLayout?.pointee = UnsafePointer(tensor.cLayout)
        rank?.pointee = dimensions.count
        if let shape { for (axis, size) in dimensions.enumerated() { shape[axis] = Int64(size) } }
    }
}

@_cdecl("pzconv_model_run")
public func pzconv_model_run(_ handle: OpaquePointer?, _ inputs: UnsafePointer<UnsafePointer<Float>?>?, _ inputCount: Int,
                             _ outputs: UnsafePointer<UnsafeMutablePointer<Float>?>?, _ outputCount: Int,
                             _ layout: Int32, _ threads: Int32, _ error: ErrorOut) -> Int32 {
    reportingErrors(error) {
        let loaded = try model(handle)
        guard threads >= 0 else { throw LibraryError.argument("threads must be 0 (the model's own) or more, not \(threads)") }
        guard inputCount >= 0, outputCount >= 0, inputCount == 0 || inputs != nil, outputCount == 0 || outputs != nil else {
            throw LibraryError.argument("inputs or outputs is NULL")
        }
        let inputBuffers = try (0..<inputCount).map { index in
            guard let buffer = inputs![index] else { throw LibraryError.argument("inputs[\(index)] is NULL") }
            return buffer
        }
        let outputBuffers = try (0..<outputCount).map { index in
            guard let buffer = outputs![index] else { throw LibraryError.argument("outputs[\(index)] is NULL") }
            return buffer
        }
        try loaded.run(inputs: inputBuffers, outputs: outputBuffers, layout: try LibraryLayout(checking: layout),
                       threads: Int(threads))
    }
}

@_cdecl("pzconv_model_inspect_json")
public func pzconv_model_inspect_json(_ handle: OpaquePointer?, _ json: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                      _ error: ErrorOut) -> Int32 {
    reportingErrors(error) {
        let loaded = try model(handle)
        guard let json else { throw LibraryError.argument("json (the out-parameter) is NULL") }
        json.pointee = cString(try InspectReport(graph: loaded.graph, packed: loaded.packed, file: loaded.name).json())
    }
}

@_cdecl("pzconv_model_verification_json")
public func pzconv_model_verification_json(_ handle: OpaquePointer?,
                                           _ json: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                           _ error: ErrorOut) -> Int32 {
    reportingErrors(error) {
        let loaded = try model(handle)
        guard let json else { throw LibraryError.argument("json (the out-parameter) is NULL") }
        guard let record = loaded.graph.verification else { return json.pointee = cString("null") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        json.pointee = cString(String(decoding: try encoder.encode(record), as: UTF8.self))
    }
}
