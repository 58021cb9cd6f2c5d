import Foundation

/// The most memory, in bytes, that pzconv lets one model take for what a file
/// decides the size of: weights read from HDF5, the reference executor's tensors,
/// the fast executor's activation buffers. A file asking for more is refused with
/// an error naming the need and the limit before anything that large is
/// allocated. The default is the machine's physical memory; `--max-memory`
/// changes it.
public struct MemoryLimit: Sendable, Equatable, CustomStringConvertible {
    public var bytes: Int

    public init(bytes: Int) { self.bytes = bytes }

    /// The machine's physical memory.
    public static var machine: MemoryLimit {
        MemoryLimit(bytes: Int(clamping: ProcessInfo.processInfo.physicalMemory))
    }

    /// Parses a size: bytes (`1000000`) or a number with a binary unit, `K`, `M`,
    /// `G` or `T` (`512M`, `1.5G`; a trailing `iB` or `B` is allowed).
    public init(parsing text: String) throws {
        var number = text.trimmingCharacters(in: .whitespaces).uppercased()
        for suffix in ["IB", "B"] where number.hasSuffix(suffix) { number.removeLast(suffix.count) }
        let units: [Character: Double] = ["K": 0x1p10, "M": 0x1p20, "G": 0x1p30, "T": 0x1p40]
        var scale = 1.0
        if let last = number.last, let unit = units[last] {
            scale = unit
            number.removeLast()
        }
        guard let value = Double(number), value.isFinite, value > 0, value * scale < 0x1p62 else {
            throw MemoryLimitError("'\(text)' is not a memory size (bytes, or a number with K, M, G or T: 512M, 16G)")
        }
        bytes = Int(value * scale)
    }

    /// Throws when `needed` bytes (saturated at `Int.max` by the caller when a
    /// size overflowed) exceed the limit; `what` names the need (`"activation buffers"`).
    public func check(_ needed: Int, for what: String) throws {
        guard needed <= bytes else {
            throw MemoryLimitError("\(what) need \(MemoryLimit.format(needed)), more than the memory limit of \(self) "
                                   + "(raise it with --max-memory)")
        }
    }

    public var description: String { MemoryLimit.format(bytes) }

    /// `1.5 GiB`, `512.0 MiB`, `12 bytes`.
    public static func format(_ bytes: Int) -> String {
        if bytes == Int.max { return "more than 8 EiB" }
        let units = [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        for (name, size) in units where bytes >= size {
            return String(format: "%.1f", Double(bytes) / Double(size)) + " " + name
        }
        return "\(bytes) bytes"
    }
}

/// A need over the memory limit, or a limit that does not parse.
public struct MemoryLimitError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) { self.description = description }
}
