import ArgumentParser
import Foundation
import PZGraph
import PZHDF5
import PZPatchIO

/// `pzconv hdf5-worker …`: the child process in which libhdf5 reads a user's
/// file (see `HDF5Isolation`). Hidden: pzconv starts it, users need not.
struct HDF5WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hdf5-worker",
        abstract: "Read an HDF5 file in a separate process (started by pzconv itself).",
        shouldDisplay: false,
        subcommands: [ImportWorker.self, DatasetWorker.self, VolumeWorker.self, ProbeWorker.self, StoreWorker.self]
    )

    /// Bounds the worker's address space to twice the memory limit plus 2 GiB
    /// (the values read, their encoded copy, the runtime), so that an allocation
    /// libhdf5 sizes from a damaged file (a variable-length string "12 GiB"
    /// long, found by fuzzing) fails inside libhdf5 — an error — instead of
    /// taking the machine's memory. Not under a sanitizer, which reserves
    /// terabytes of address space for itself.
    static func limitAddressSpace(_ limit: MemoryLimit) {
        let handle = dlopen(nil, RTLD_NOW)
        defer { if let handle { dlclose(handle) } }
        if dlsym(handle, "__asan_init") != nil || dlsym(handle, "__tsan_init") != nil { return }
        let (doubled, overflow) = limit.bytes.multipliedReportingOverflow(by: 2)
        let bytes = overflow ? Int.max : doubled.addingReportingOverflow(2 << 30).partialValue
        guard bytes > 0, bytes < Int.max else { return }
        var bound = rlimit(rlim_cur: rlim_t(bytes), rlim_max: rlim_t(bytes))
        _ = setrlimit(Int32(RLIMIT_AS.rawValue), &bound)
    }

    /// Imports a source model and writes it as a `.pzir` to `--result`.
    struct ImportWorker: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "import", shouldDisplay: false)

        @OptionGroup var source: ImportSource
        @OptionGroup var memoryOptions: MemoryOptions

        @Option(help: "The .pzir to write.")
        var result: String

        func run() throws {
            HDF5WorkerCommand.limitAddressSpace(memoryOptions.limit)
            try PZIRFile.write(try source.importGraph(memoryLimit: memoryOptions.limit), to: result)
        }
    }

    /// Reads one dataset as float32 and writes it as a `.npy` to `--result`.
    struct DatasetWorker: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "dataset", shouldDisplay: false)

        @OptionGroup var source: DatasetArguments
        @OptionGroup var memoryOptions: MemoryOptions

        @Option(help: "The .npy to write.")
        var result: String

        func run() throws {
            HDF5WorkerCommand.limitAddressSpace(memoryOptions.limit)
            let array = try PatchIO.readHDF5Dataset(path: source.file, dataset: source.dataset, memoryLimit: memoryOptions.limit)
            try NPYFile.write(shape: array.shape, values: array.values, to: result)
        }
    }

    /// Serves regions of one dataset on standard input and output (the
    /// protocol is `HDF5VolumeReader`'s) until its input closes.
    struct VolumeWorker: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "volume", shouldDisplay: false)

        @OptionGroup var source: DatasetArguments
        @OptionGroup var memoryOptions: MemoryOptions

        func run() throws {
            HDF5WorkerCommand.limitAddressSpace(memoryOptions.limit)
            let opened = try HDF5File(readingFrom: source.file, memoryLimit: memoryOptions.limit).root.dataset(source.dataset)
            let shape = try opened.shape()
            guard (3...4).contains(shape.count) else {
                throw CommandError("\(source.file):\(source.dataset): a volume must be 3-D or 4-D, the dataset has shape \(shape)")
            }
            let input = FileHandle.standardInput
            let output = FileHandle.standardOutput
            var header = Self.bytes(UInt32(shape.count))
            for extent in shape { header += Self.bytes(Int64(extent)) }
            try output.write(contentsOf: Data(header))
            while let request = try Self.read(input, count: 16 * shape.count) {
                let numbers = request.withUnsafeBytes { raw in
                    (0..<(2 * shape.count)).map { Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))) }
                }
                do {
                    let values = try opened.readFloats(origin: Array(numbers[..<shape.count]), size: Array(numbers[shape.count...]))
                    var answer: [UInt8] = [0]
                    answer.reserveCapacity(1 + values.count * 4)
                    values.withUnsafeBytes { answer += $0 }  // little-endian on x86-64
                    try output.write(contentsOf: Data(answer))
                } catch {
                    let message = Array("\(error)".utf8.prefix(4096))
                    try output.write(contentsOf: Data([1] + Self.bytes(UInt32(message.count)) + message))
                }
            }
        }

        static func bytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
            withUnsafeBytes(of: value.littleEndian) { Array($0) }
        }

        /// Exactly `count` bytes, or nil at the end of the input.
        static func read(_ handle: FileHandle, count: Int) throws -> [UInt8]? {
            var result: [UInt8] = []
            while result.count < count {
                guard let data = try handle.read(upToCount: count - result.count), !data.isEmpty else {
                    return nil  // the end of the input (a request cut short is no request)
                }
                result += data
            }
            return result
        }
    }

    /// The dataset a worker reads: the file and the dataset's path in it.
    struct DatasetArguments: ParsableArguments {
        @Argument(help: "The HDF5 file.")
        var file: String

        @Argument(help: "The dataset's path in the file (/name).")
        var dataset: String
    }
}
