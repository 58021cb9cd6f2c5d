#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks the global heap collections of an HDF5 file before libhdf5 reads it.
///
/// Variable-length strings (Keras' `model_config`, `layer_names`, …) live in
/// global heap collections: a `GCOL` header, then objects, each an index, a size
/// and its bytes, walked from the start to the collection's end. libhdf5 1.10
/// (Debian's) trusts the sizes: an object of size 0, or a collection that
/// declares more bytes than the file holds (read as zeros), makes its walk stand
/// still forever, and objects that overrun the collection are read past its end.
/// Later HDF5 releases refuse such collections; this check refuses the file
/// instead. Every `GCOL` signature followed by version 1 (which libhdf5 requires)
/// counts as a collection, wherever it lies; in a genuine file only collections
/// have one (the version byte is a control character, which no text holds).
enum HDF5GlobalHeapCheck {
    private static let magic: [UInt8] = Array("GCOL".utf8)

    /// The first problem with the collections in `bytes` (a whole file), or nil.
    static func problem(in bytes: UnsafeRawBufferPointer) -> String? {
        guard let base = bytes.baseAddress, bytes.count >= 8 else { return nil }
        var offset = 0
        while offset < bytes.count {
            // memchr finds candidates fast in large weight files.
            guard let found = memchr(base + offset, Int32(magic[0]), bytes.count - offset) else { return nil }
            let start = base.distance(to: UnsafeRawPointer(found))
            offset = start + 1
            guard start + 5 <= bytes.count, bytes[start..<(start + 4)].elementsEqual(magic), bytes[start + 4] == 1 else {
                continue
            }
            guard let lengthSize = sizeOfLengths(bytes) else {
                return "global heap collection at byte \(start) in a file whose superblock gives no size of lengths"
            }
            if let problem = walk(bytes, collection: start, lengthSize: lengthSize) {
                return "global heap collection at byte \(start) is damaged: \(problem)"
            }
        }
        return nil
    }

    /// The superblock's size of lengths (2, 4 or 8 bytes), nil when there is no
    /// superblock or another size.
    private static func sizeOfLengths(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var superblock = 0
        while superblock + 16 <= bytes.count {
            if bytes[superblock..<(superblock + 8)].elementsEqual(HDF5File.signature) {
                let version = bytes[superblock + 8]
                let size = Int(version <= 1 ? bytes[superblock + 14] : bytes[superblock + 10])
                return [2, 4, 8].contains(size) ? size : nil
            }
            superblock = superblock == 0 ? 512 : superblock * 2
        }
        return nil
    }

    /// Walks one collection as libhdf5 1.10 does (H5HG__cache_heap_deserialize);
    /// bytes past the end of the file read as zeros, as HDF5's drivers give them.
    private static func walk(_ bytes: UnsafeRawBufferPointer, collection start: Int, lengthSize: Int) -> String? {
        func byte(_ index: Int) -> UInt64 { index < bytes.count ? UInt64(bytes[index]) : 0 }
        func integer(at index: Int, size: Int) -> UInt64 {
            (0..<size).reduce(0) { value, shift in value | byte(index + shift) << (8 * UInt64(shift)) }
        }
        func align(_ value: UInt64) -> UInt64? {
            let (sum, overflow) = value.addingReportingOverflow(7)
            return overflow ? nil : sum & ~7
        }
        let headerSize = UInt64(8 + lengthSize + 7) & ~7         // magic, version, reserved, size
        let objectHeaderSize = UInt64(8 + lengthSize + 7) & ~7   // index, references, reserved, size
        let size = integer(at: start + 8, size: lengthSize)
        guard size >= headerSize else { return "its size \(size) is smaller than its header" }
        var position = headerSize
        while position < size {
            if size - position < objectHeaderSize { break }  // a tail too small for an object: free space
            guard position < UInt64(bytes.count - start) else {
                return "it declares \(size) bytes, more than the file holds after it"  // zeros: a walk that stands still
            }
            let at = start + Int(position)
            let index = integer(at: at, size: 2)
            let objectSize = integer(at: at + 8, size: lengthSize)
            let need: UInt64?
            if index > 0 {
                need = align(objectSize).flatMap { aligned in
                    let (sum, overflow) = aligned.addingReportingOverflow(objectHeaderSize)
                    return overflow ? nil : sum
                }
            } else {
                need = objectSize
            }
            guard let need, need > 0, need <= size - position else {
                return "object \(index) at byte \(at) has size \(objectSize), which does not fit the collection's "
                    + "\(size) bytes"
            }
            position += need
        }
        return nil
    }
}
