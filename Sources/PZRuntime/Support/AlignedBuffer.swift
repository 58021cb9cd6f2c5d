/// A float buffer aligned to 64 bytes (one cache line, one AVX-512 vector).
final class AlignedBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let capacity: Int

    /// A zero-filled buffer of at least `floats` floats.
    init(floats: Int) {
        capacity = max(floats, 16)
        pointer = AlignedBuffer.allocate(capacity)
    }

    private static func allocate(_ floats: Int) -> UnsafeMutablePointer<Float> {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: floats * 4 + 64, alignment: 64)
        raw.initializeMemory(as: Float.self, repeating: 0, count: floats)
        return raw.assumingMemoryBound(to: Float.self)
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}
