import Foundation
import PZCommands
import PZGraph
import PZVolume

// pzconv_model_predict (include/pzconv.h): predict over a volume the caller
// reads and an output it receives, through callbacks.

@_cdecl("pzconv_model_predict")
public func pzconv_model_predict(_ handle: OpaquePointer?, _ volumeShape: UnsafePointer<Int64>?,
                                 _ read: ReadBox?, _ write: WriteBox?, _ context: UnsafeMutableRawPointer?,
                                 _ options: UnsafePointer<UnsafePointer<CChar>?>?, _ optionCount: Int,
                                 _ summary: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ error: ErrorOut) -> Int32 {
    summary?.pointee = nil
    return reportingErrors(error) {
        let loaded = try model(handle)
        guard let volumeShape, let read, let write else { throw LibraryError.argument("volume_shape, read or write is NULL") }
        let shape = (0..<4).map { Int(volumeShape[$0]) }
        guard shape.allSatisfy({ $0 > 0 && $0 <= 1 << 40 }), shape[1...].reduce(1, { $0.multipliedReportingOverflow(by: $1).partialValue }) > 0 else {
            throw LibraryError.argument("volume_shape must be (C, D, H, W), each at least 1; got \(shape)")
        }
        guard optionCount >= 0, optionCount == 0 || options != nil else { throw LibraryError.argument("options is NULL") }
        let words = try (0..<optionCount).map { try string(options![$0], "options[\($0)]") }
        let (parsed, threads, memoryLimit): (PredictOptions, Int?, MemoryLimit)
        do {
            (parsed, threads, memoryLimit) = try PredictOptions.parsing(words)
        } catch {
            throw LibraryError.argument(PZConv.message(for: error))  // the caller's options
        }
        let runner = try ModelRunner(packed: loaded.packed, graph: loaded.graph, digest: "", threads: threads ?? loaded.defaultThreads,
                                     memoryLimit: memoryLimit, name: loaded.name)
        let volume = CallbackVolumeReader(shape: shape, read: read, context: context)
        let setup = try PredictionSetup(runner: runner, volume: volume, options: parsed, input: volume.path, model: loaded.name)
        let writer = try CallbackVolumeWriter(shape: setup.outputShape, chunkShape: setup.chunkShape, write: write, context: context)
        let prediction = try setup.prediction(chunks: writer.chunks, runner: runner, options: parsed, memoryLimit: memoryLimit,
                                              input: volume.path)
        let result = try wrap(volume.path) { try prediction.run(reader: setup.reader, writer: writer, model: runner.run) }
        summary?.pointee = cString(PredictReport(summary: result, shard: .whole, output: writer.path,
                                                 normalization: setup.normalization).json)
    }
}
