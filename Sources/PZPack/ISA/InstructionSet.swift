import CPZCPU
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The vector instruction sets pzconv's kernels are built for. Each has its own
/// build of the kernels (`PZKernelsAVX2`, `PZKernelsAVX512`: the same source,
/// compiled for that instruction set) and its own tuning (`KernelTuning`); a
/// plan is made for one of them, and a `.pz` planned for another is re-planned
/// when it is loaded.
public enum InstructionSet: String, Codable, Sendable, CaseIterable, Comparable {
    /// AVX2 + FMA3: 16 vector registers of 256 bits (8 floats). Intel Haswell to
    /// Alder Lake, AMD Zen 1–3.
    case avx2
    /// AVX-512F: 32 vector registers of 512 bits (16 floats). Intel Skylake-SP and
    /// later Xeons, AMD Zen 4 and 5.
    case avx512

    public static func < (lhs: InstructionSet, rhs: InstructionSet) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The best instruction set this CPU and OS support. AVX2 is pzconv's
    /// baseline: on a CPU without it (or not x86-64), the AVX2 build of the kernels
    /// runs as compiled (a `-target-cpu native` build then suits the machine).
    public static let detected: InstructionSet = {
        let features = pz_cpu_detect()
        return features.avx512f != 0 ? .avx512 : .avx2
    }()

    /// The environment variable that lowers the instruction set the executor uses
    /// (`PZCONV_ISA=avx2` on an AVX-512 machine runs and plans for AVX2: for tests,
    /// benchmarks, and plans made for a fleet of AVX2 machines).
    public static let overrideVariable = "PZCONV_ISA"

    /// The instruction set to plan for and run with: `detected`, or the value of
    /// PZCONV_ISA when that is set. Throws when it names an unknown instruction
    /// set or one this CPU lacks.
    public static func current() throws -> InstructionSet {
        guard let value = getenv(overrideVariable).map({ String(cString: $0) }), !value.isEmpty else { return detected }
        return try named(value, source: overrideVariable)
    }

    /// The instruction set called `name` (`avx2`, `avx512`), checked against this CPU.
    public static func named(_ name: String, source: String) throws -> InstructionSet {
        guard let isa = InstructionSet(rawValue: name.lowercased()) else {
            throw InstructionSetError("\(source): unknown instruction set '\(name)' (expected avx2 or avx512)")
        }
        guard isa <= detected else {
            throw InstructionSetError("\(source): this CPU does not support \(isa.displayName) (it has \(detected.displayName))")
        }
        return isa
    }

    /// "AVX2" or "AVX-512".
    public var displayName: String {
        switch self {
        case .avx2: "AVX2"
        case .avx512: "AVX-512"
        }
    }
}

/// An instruction set that cannot be used.
public struct InstructionSetError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
