/// A float buffer aligned to 64 bytes (one cache line, one AVX-512 vector).
final class AlignedBuffer: @unchecked Sendable {
    private(set) var pointer: UnsafeMutablePointer<Float>
    private(set) var capacity: Int

    init(floats: Int) {
        capacity = max(floats, 16)
        pointer = AlignedBuffer.allocate(capacity)
    }

    /// Grows (never shrinks) to hold `floats`; contents are not kept.
    func reserve(_ floats: Int) {
        guard floats > capacity else { return }
        UnsafeMutableRawPointer(pointer).deallocate()
        capacity = floats
        pointer = AlignedBuffer.allocate(floats)
    }

    private static func allocate(_ floats: Int) -> UnsafeMutablePointer<Float> {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: floats * 4 + 64, alignment: 64)
        raw.initializeMemory(as: Float.self, repeating: 0, count: floats)
        return raw.assumingMemoryBound(to: Float.self)
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}
