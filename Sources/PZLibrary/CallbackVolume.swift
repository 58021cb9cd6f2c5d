import PZVolume

/// `pzconv_read_box` (include/pzconv.h): fills a box of the volume, C-major then
/// D, H, W; 0 on success.
public typealias ReadBox = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<Int64>?, UnsafePointer<Int64>?,
                                    UnsafeMutablePointer<Float>?) -> Int32
/// `pzconv_write_box`: receives the prediction over a box; 0 on success.
public typealias WriteBox = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<Int64>?, UnsafePointer<Int64>?,
                                     UnsafePointer<Float>?) -> Int32

/// (C, origin…) and (C, size…) of `box` over all `channels`, as the callbacks take them.
private func corners(_ box: VolumeBox, channels: Int) -> (origin: [Int64], size: [Int64]) {
    ([0] + box.origin.map(Int64.init), [Int64(channels)] + box.size.map(Int64.init))
}

/// A volume the caller reads for the library, box by box (`pzconv_model_predict`).
/// The read-ahead calls `read` from a thread of its own.
final class CallbackVolumeReader: VolumeReader {
    let path = "(volume read by the caller)"
    let shape: [Int]
    private let readBox: ReadBox
    private let context: UnsafeMutableRawPointer?

    init(shape: [Int], read: @escaping ReadBox, context: UnsafeMutableRawPointer?) {
        self.shape = shape
        readBox = read
        self.context = context
    }

    func read(_ box: VolumeBox) throws -> [Float] {
        let (origin, size) = corners(box, channels: shape[0])
        var values = [Float](repeating: 0, count: shape[0] * box.voxelCount)
        let status = values.withUnsafeMutableBufferPointer { buffer in
            readBox(context, origin, size, buffer.baseAddress)
        }
        guard status == 0 else { throw VolumeError("\(path): the read callback failed (returned \(status)) for the box \(box)") }
        return values
    }
}

/// An output the caller receives chunk by chunk (`pzconv_model_predict`): no
/// files, nothing recorded, every chunk written once.
final class CallbackVolumeWriter: VolumeWriter {
    let path = "(output written by the caller)"
    let shape: [Int]
    let chunks: ChunkGrid
    private let writeBox: WriteBox
    private let context: UnsafeMutableRawPointer?

    init(shape: [Int], chunkShape: [Int], write: @escaping WriteBox, context: UnsafeMutableRawPointer?) throws {
        self.shape = shape
        chunks = try ChunkGrid(volumeShape: Array(shape.dropFirst()), chunkShape: chunkShape)
        writeBox = write
        self.context = context
    }

    func isDone(_ position: [Int]) throws -> Bool { false }

    func write(_ position: [Int], values: [Float]) throws {
        let box = chunks.box(position)
        let (origin, size) = corners(box, channels: shape[0])
        let status = values.withUnsafeBufferPointer { writeBox(context, origin, size, $0.baseAddress) }
        guard status == 0 else { throw VolumeError("\(path): the write callback failed (returned \(status)) for the box \(box)") }
    }

    func finish() throws {}
}
