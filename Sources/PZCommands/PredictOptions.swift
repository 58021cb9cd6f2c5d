import Foundation
import PZGraph
import PZVolume

/// `predict`'s options, parsed and checked before any file is read.
package struct PredictOptions {
    var channelAxis: ChannelAxis?
    var overlap: [Int]?
    var blend: BlendMode
    var padding: VolumePadding
    var dataType: ArrayDataType
    var channels: [Int]?
    var chunk: [Int]?
    var patch: [Int]?
    var shard: Shard
    var normalization: InputNormalization?
    /// Bytes the chunk accumulators may take (`--accumulator-memory`); the plane
    /// is swept in columns narrow enough for them (`PredictionColumns`).
    var accumulatorMemory: Int

    init(_ command: PredictCommand) throws {
        func choice<T: RawRepresentable & CaseIterable>(_ text: String, _ option: String) throws -> T where T.RawValue == String {
            guard let value = T(rawValue: text) else {
                throw CommandError("--\(option) takes \(T.allCases.map(\.rawValue).joined(separator: ", ")), got '\(text)'")
            }
            return value
        }
        channelAxis = try command.channelAxis.map { try choice($0, "channel-axis") }
        blend = try choice(command.blend, "blend")
        padding = try choice(command.pad, "pad")
        do {
            dataType = try ArrayDataType(outputName: command.dtype)
        } catch let error as VolumeError {
            throw CommandError(error.description)
        }
        shard = try command.shard.map { try ShardAssignment.resolve($0, environment: ProcessInfo.processInfo.environment) }
            ?? .whole
        do {
            normalization = try command.normalize.map { try InputNormalization(parsing: $0) }
        } catch {
            throw CommandError("--normalize: \(error)")
        }
        do {
            accumulatorMemory = try MemoryLimit(parsing: command.accumulatorMemory).bytes
        } catch {
            throw CommandError("--accumulator-memory: \(error)")
        }
        overlap = try command.overlap.map { try Self.triple($0, "overlap", minimum: 0) }
        chunk = try command.chunk.map { try Self.triple($0, "chunk", minimum: 1) }
        patch = try command.patch.map { try Self.triple($0, "patch", minimum: 1) }
        channels = try command.channels.map { text in
            let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.allSatisfy({ $0 != nil }), Set(values).count == values.count else {
                throw CommandError("--channels takes distinct channel numbers, e.g. 0,2; got '\(text)'")
            }
            return values.map { $0! }
        }
    }

    /// "D,H,W" (or one number for all three axes).
    static func triple(_ text: String, _ option: String, minimum: Int) throws -> [Int] {
        let values = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let count = text.split(separator: ",").count
        guard values.count == count, count == 1 || count == 3, values.allSatisfy({ $0 >= minimum && $0 <= 1 << 20 }) else {
            throw CommandError("--\(option) takes D,H,W (or one number), each \(minimum) to 2^20; got '\(text)'")
        }
        return count == 1 ? Array(repeating: values[0], count: 3) : values
    }

    /// What makes two runs' outputs the same: recorded in the output, and
    /// compared on resume.
    func identity(chunkShape: [Int], kept: [Int]) -> String {
        "blend \(blend.rawValue); pad \(padding.rawValue); overlap \(overlap.map { "\($0)" } ?? "default"); "
            + "dtype \(dataType); channels \(kept); chunk \(chunkShape); channel axis \(channelAxis?.rawValue ?? "none"); "
            + "patch \(patch.map { "\($0)" } ?? "the model's")"
    }
}

extension PredictOptions {
    /// The options of `predict` in `arguments`, as the command line takes them
    /// after the model, input and output (the C library's pzconv_model_predict):
    /// with `--threads` and `--max-memory`; options about files (--shard,
    /// --overwrite, --json, --channel-axis, --patch, --dtype, --isa) are refused,
    /// the caller owns the arrays.
    package static func parsing(_ arguments: [String]) throws -> (options: PredictOptions, threads: Int?, memoryLimit: MemoryLimit) {
        let fileOptions = ["--shard", "--overwrite", "--json", "--channel-axis", "--patch", "--dtype", "--isa", "-o", "--output"]
        if let refused = arguments.first(where: { word in fileOptions.contains { word == $0 || word.hasPrefix($0 + "=") } }) {
            throw CommandError("predict option \(refused) is for files on the command line; an in-memory prediction takes "
                               + "--overlap, --blend, --pad, --normalize, --channels, --chunk, --accumulator-memory, --threads, --max-memory")
        }
        let command: PredictCommand
        do {
            command = try PredictCommand.parse(["(model)", "(volume)", "-o", "(memory)"] + arguments)
        } catch {
            throw CommandError(PredictCommand.message(for: error))
        }
        return (try PredictOptions(command), command.executorOptions.threads, command.memoryOptions.limit)
    }
}
