import Foundation
import PZGraph
import PZVolume

/// An HDF5 dataset read by region in pzconv's HDF5 worker process (see
/// `HDF5Isolation`), which stays up for the whole prediction:
/// `pzconv hdf5-worker volume FILE DATASET` answers each region request on
/// its standard output. The messages (all little-endian):
/// - worker → pzconv, once: the rank r (UInt32), then r extents (Int64);
/// - pzconv → worker: r origins then r sizes (Int64);
/// - worker → pzconv: 0 and the region's float32 values in C order, or 1, a
///   length (UInt32) and a one-line error.
/// A crash of the worker (libhdf5 on a damaged file) is a one-line error.
final class HDF5VolumeReader: VolumeReader {
    let path: String
    let shape: [Int]
    private let layout: StoredVolumeLayout
    private let worker: Worker

    init(file: String, dataset: String, channelAxis: ChannelAxis?, memoryLimit: MemoryLimit) throws {
        path = "\(file):\(dataset)"
        worker = try Worker(file: file, dataset: dataset, memoryLimit: memoryLimit)
        var stored: [Int] = []
        if let rank = try? worker.readInteger(UInt32.self), rank <= 8 {
            for _ in 0..<rank { if let extent = try? worker.readInteger(Int64.self) { stored.append(Int(extent)) } }
        }
        guard stored.count >= 1 else { throw worker.failure() }
        do {
            shape = try ChannelAxis.volumeShape(stored, channelAxis: channelAxis, path: path)
        } catch let error as VolumeError {
            throw CommandError(error.description)
        }
        layout = StoredVolumeLayout(storedShape: stored, channelAxis: channelAxis)
    }

    func read(_ box: VolumeBox) throws -> [Float] {
        let (origin, size) = layout.region(box)
        var request: [UInt8] = []
        for value in origin + size { withUnsafeBytes(of: Int64(value).littleEndian) { request += $0 } }
        do {
            try worker.requests.fileHandleForWriting.write(contentsOf: Data(request))
        } catch {
            throw worker.failure()
        }
        guard let status = try? worker.readBytes(1).first else { throw worker.failure() }
        if status != 0 {
            guard let length = try? worker.readInteger(UInt32.self), length <= 4096,
                  let text = try? worker.readBytes(Int(length)) else {
                throw worker.failure()
            }
            throw CommandError(String(decoding: text, as: UTF8.self))
        }
        let count = size.reduce(1, *)
        guard let bytes = try? worker.readBytes(count * 4) else { throw worker.failure() }
        let values = bytes.withUnsafeBytes { raw in
            (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        return layout.volumeOrder(values, box: box)
    }

    /// The worker process and its three pipes.
    final class Worker {
        let file: String
        let process = Process()
        let requests = Pipe()
        let answers = Pipe()
        let errors = Pipe()

        init(file: String, dataset: String, memoryLimit: MemoryLimit) throws {
            self.file = file
            signal(SIGPIPE, SIG_IGN)  // a worker that died is an error, not a signal
            process.executableURL = URL(fileURLWithPath: try HDF5Isolation.executablePath())
            process.arguments = ["hdf5-worker", "volume", file, dataset] + MemoryOptions.arguments(memoryLimit)
            process.standardInput = requests
            process.standardOutput = answers
            process.standardError = errors
            do { try process.run() } catch { throw CommandError("cannot start pzconv's HDF5 worker process (\(error))") }
        }

        deinit {
            try? requests.fileHandleForWriting.close()
            process.waitUntilExit()
        }

        /// The error for a worker that stopped answering: its own error line, or how it died.
        func failure() -> CommandError {
            try? requests.fileHandleForWriting.close()
            let standardError = (try? errors.fileHandleForReading.readToEnd()) ?? nil
            process.waitUntilExit()
            let outcome = HDF5Isolation.Outcome(process, standardError: standardError ?? Data())
            if case .exited(0) = outcome.termination {
                return CommandError("\(file): pzconv's HDF5 worker stopped answering")
            }
            return CommandError(HDF5Isolation.failureMessage(outcome, hdf5File: file))
        }

        private struct EndOfStream: Error {}

        func readBytes(_ count: Int) throws -> [UInt8] {
            var result: [UInt8] = []
            result.reserveCapacity(count)
            while result.count < count {
                guard let data = try answers.fileHandleForReading.read(upToCount: count - result.count), !data.isEmpty else {
                    throw EndOfStream()
                }
                result += data
            }
            return result
        }

        func readInteger<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
            let bytes = try readBytes(MemoryLayout<T>.size)
            return T(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(as: T.self) })
        }
    }
}
