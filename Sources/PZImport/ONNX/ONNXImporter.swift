import Foundation
import PZGraph
import PZONNX

/// Imports an ONNX model (as PyTorch's `torch.onnx.export`, or pzconv's own
/// exporter, writes them) into the IR.
///
/// Inputs must be 4-D (NCHW) or 5-D (NCDHW) float tensors; a graph input that a
/// channels-last Transpose feeds straight into the network (and a graph output
/// made by the Transpose back), as pzconv writes for channels_last models, keeps
/// that layout as the input's or output's source layout. Dynamic dimensions need
/// `--input-shape`. Shape arithmetic on constants is folded at import
/// (`ONNXConstantFolding`); any other node whose op pzconv has no IR op for is an
/// error naming the node and op type.
public enum ONNXImporter {
    /// Operator sets whose semantics the importer knows (7 to 22).
    public static let opsets: ClosedRange<Int64> = 7...22

    public static func importModel(path: String, inputShape: InputShapeOverride = InputShapeOverride(),
                                   memoryLimit: MemoryLimit = .machine) throws -> Graph {
        let bytes = try readFileBytes(path)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try importModel(bytes: bytes, name: path, inputShape: inputShape, memoryLimit: memoryLimit) { location in
            try ExternalDataFile.read(location, directory: directory, model: path, memoryLimit: memoryLimit)
        }
    }

    /// A model held in memory; `name` stands for the file in messages. A model with
    /// external data needs `externalFile`, which returns the bytes of a file named
    /// by a tensor's `location`.
    public static func importModel(bytes: [UInt8], name: String, inputShape: InputShapeOverride = InputShapeOverride(),
                                   memoryLimit: MemoryLimit = .machine,
                                   externalFile: ((String) throws -> [UInt8])? = nil) throws -> Graph {
        guard bytes.count <= memoryLimit.bytes else {
            throw ImportError("\(name): \(bytes.count) bytes exceed the memory limit of \(memoryLimit.bytes) bytes")
        }
        let model: ONNXModel
        do {
            model = try ONNXDecoder.decode(bytes, path: name)
        } catch let error as ONNXFormatError {
            throw ImportError(error.description)
        }
        guard let opset = model.defaultOpset else { throw ImportError("\(name): the model imports no default-domain operator set") }
        guard opsets.contains(opset) else {
            throw ImportError("\(name): operator set \(opset) is outside those pzconv reads (\(opsets.lowerBound) to \(opsets.upperBound))")
        }
        var files: [String: [UInt8]] = [:]
        var importer = ONNXGraphImporter(model: model, file: name, opset: opset) { location, offset, length in
            guard let externalFile else { throw ImportError("\(name): tensor data in external file '\(location)', which was not given") }
            if files[location] == nil { files[location] = try externalFile(location) }
            return try ExternalDataFile.slice(files[location]!, location: location, offset: offset, length: length, model: name)
        }
        var graph = try importer.importGraph(inputShape: inputShape)
        let producer = [model.producerName, model.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        graph.source = SourceInfo(framework: "onnx", detail: (producer.isEmpty ? "" : producer + ", ") + "opset \(opset)",
                                  files: [describeSourceFile(name, bytes: bytes)])
        return graph
    }
}

/// Tensor data kept beside an ONNX model (`data_location: EXTERNAL`).
enum ExternalDataFile {
    /// Reads `location`, which must be a relative path inside the model's directory.
    static func read(_ location: String, directory: String, model: String, memoryLimit: MemoryLimit) throws -> [UInt8] {
        let parts = location.split(separator: "/", omittingEmptySubsequences: false)
        guard !location.hasPrefix("/"), !parts.contains(".."), !location.contains("\0") else {
            throw ImportError("\(model): external data location '\(location)' leaves the model's directory")
        }
        let path = directory + "/" + location
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = attributes[.size] as? Int else {
            throw ImportError("\(model): external data file '\(location)' not found beside the model")
        }
        guard size <= memoryLimit.bytes else {
            throw ImportError("\(model): external data file '\(location)' (\(size) bytes) exceeds the memory limit")
        }
        return try readFileBytes(path)
    }

    static func slice(_ bytes: [UInt8], location: String, offset: Int, length: Int?, model: String) throws -> [UInt8] {
        let end = length.map { offset.addingReportingOverflow($0) }
        guard offset <= bytes.count, end.map({ !$0.overflow && $0.partialValue <= bytes.count }) ?? true else {
            throw ImportError("\(model): external data at offset \(offset)" + (length.map { ", length \($0)," } ?? "")
                              + " lies beyond the end of '\(location)' (\(bytes.count) bytes)")
        }
        return Array(bytes[offset..<(end?.partialValue ?? bytes.count)])
    }
}
