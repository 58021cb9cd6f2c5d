import PZGraph
import PZImport
import PZONNX
import PZReference

extension FuzzTarget {
    /// A `.onnx` file: decoded (nesting bound, libprotobuf-c, checks), imported
    /// (constant folding, every op conversion, shape inference), and a model that
    /// imports is exported to ONNX again, decoded again, and run on the reference
    /// executor (zero inputs) when it is small. External data is refused (no files).
    public static let onnx = FuzzTarget(name: "onnx", summary: ".onnx bytes: imported, exported again, small graphs run") { bytes in
        guard let graph = try? ONNXImporter.importModel(bytes: bytes, name: "fuzz.onnx", memoryLimit: memoryLimit) else {
            _ = try? ONNXDecoder.decode(bytes, path: "fuzz.onnx")
            return
        }
        if let exported = try? ONNXExporter.export(graph) {
            _ = try? ONNXDecoder.decode(ONNXEncoder.encode(exported), path: "fuzz.onnx")
        }
        guard let executor = try? ReferenceExecutor(graph: graph, memoryLimit: memoryLimit),
              graph.statistics(shapes: executor.shapes).map(\.flops).saturatingSum <= runnableFlops else { return }
        _ = try? executor.run(inputs: zeroInputs(of: graph))
    }
}
