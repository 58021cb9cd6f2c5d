import Foundation
import PZGraph
import PZTestSupport
import PZVolume
import Testing

/// Damaged and hostile NIfTI files, made by changing bytes of nibabel's
/// fixtures: each is a one-line error that names the file, never a crash.
@Suite struct NIfTIHostileFileTests {
    static let root = TestPaths.fixture("volumes/nifti")

    /// A change to a fixture: its name, the fixture, the bytes, and a part of the expected message.
    struct Damage: CustomStringConvertible, Sendable {
        var name: String
        var source: String
        var change: @Sendable (inout Data) -> Void
        var message: String
        var description: String { name }
    }

    /// Stores `value` little-endian at byte `offset` (the fixtures are little-endian).
    static func put<T: FixedWidthInteger>(_ value: T, at offset: Int, in data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.replaceSubrange(offset..<(offset + $0.count), with: $0) }
    }

    static func put(_ value: Float, at offset: Int, in data: inout Data) { put(value.bitPattern, at: offset, in: &data) }

    // NIfTI-1 offsets: sizeof_hdr 0, dim[8] 40 (Int16), datatype 70, bitpix 72, vox_offset 108 (Float32),
    // scl_slope 112, scl_inter 116, magic 344. NIfTI-2: dim[8] 16 (Int64), vox_offset 168 (Int64).
    static let damages: [Damage] = [
        Damage(name: "header cut short", source: "f4.nii", change: { $0 = $0.prefix(200) }, message: "truncated: 200 bytes"),
        Damage(name: "voxels cut short", source: "f4.nii", change: { $0 = $0.prefix(1000) }, message: "truncated: shape [1, 5, 6, 7]"),
        Damage(name: "empty file", source: "f4.nii", change: { $0 = Data() }, message: "truncated: 0 bytes"),
        Damage(name: "bad sizeof_hdr", source: "f4.nii", change: { put(Int32(349), at: 0, in: &$0) }, message: "sizeof_hdr is 349"),
        Damage(name: "dim[0] = 9", source: "f4.nii", change: { put(Int16(9), at: 40, in: &$0) }, message: "dim[0] is 9"),
        Damage(name: "negative dim", source: "f4.nii", change: { put(Int16(-6), at: 44, in: &$0) }, message: "dim[2] is -6"),
        Damage(name: "two extra axes", source: "f4.nii",
               change: { put(Int16(5), at: 40, in: &$0); put(Int16(2), at: 48, in: &$0); put(Int16(2), at: 50, in: &$0) },
               message: "more than one axis past x, y, z"),
        Damage(name: "product overflows", source: "n2_i4.nii",
               change: { for axis in 1...3 { put(Int64(1) << 40, at: 16 + 8 * axis, in: &$0) } }, message: "overflow a 64-bit size"),
        Damage(name: "NIfTI-2 vox_offset negative", source: "n2_i4.nii", change: { put(Int64(-8), at: 168, in: &$0) },
               message: "vox_offset -8 is inside"),
        Damage(name: "vox_offset past the end", source: "f4.nii", change: { put(Float(1e6), at: 108, in: &$0) },
               message: "after vox_offset 1000000, the file has 0"),
        Damage(name: "vox_offset not a number", source: "f4.nii", change: { put(Float.nan, at: 108, in: &$0) },
               message: "not a byte offset"),
        Damage(name: "complex", source: "f4.nii", change: { put(Int16(32), at: 70, in: &$0); put(Int16(64), at: 72, in: &$0) },
               message: "datatype COMPLEX64 (32) is not read"),
        Damage(name: "RGB", source: "u1.nii", change: { put(Int16(128), at: 70, in: &$0); put(Int16(24), at: 72, in: &$0) },
               message: "datatype RGB24 (128) is not read"),
        Damage(name: "unknown datatype", source: "f4.nii", change: { put(Int16(9999), at: 70, in: &$0) },
               message: "datatype 9999 is not a NIfTI type"),
        Damage(name: "two-file magic", source: "f4.nii", change: { $0[345] = UInt8(ascii: "i") }, message: "two-file NIfTI"),
        Damage(name: "no magic", source: "f4.nii", change: { $0[344] = 0 }, message: "ANALYZE 7.5"),
        Damage(name: "NIfTI-2 magic on a NIfTI-1 size", source: "f4.nii", change: { $0[346] = UInt8(ascii: "2") },
               message: "magic is neither"),
        Damage(name: "slope without an intercept", source: "f4.nii",
               change: { put(Float(2), at: 112, in: &$0); put(Float.infinity, at: 116, in: &$0) }, message: "scl_inter is inf"),
        Damage(name: "gzip cut short", source: "i2_scaled.nii.gz", change: { $0 = $0.prefix(300) }, message: "i2_scaled"),
        Damage(name: "not gzip at all", source: "i2_scaled.nii.gz", change: { $0 = Data(repeating: 0x5A, count: 600) },
               message: "not a NIfTI file"),
    ]

    @Test(arguments: damages)
    func damagedFileIsOneLine(_ damage: Damage) throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        var bytes = try Data(contentsOf: URL(fileURLWithPath: Self.root + "/" + damage.source))
        damage.change(&bytes)
        let path = directory + "/damaged-" + damage.source
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect { try NIfTIVolumeReader(path: path, memoryLimit: MemoryLimit(bytes: 1 << 30)) } throws: { error in
            let text = "\(error)"
            let named = text.hasPrefix(path + ": ") && text.contains(damage.message) && !text.contains("\n")
            if !named { Issue.record("\(damage.name): \(text)") }
            return named
        }
    }

    /// A `.nii.gz` is decompressed whole: one over the memory limit is refused before.
    @Test func gzipOverTheMemoryLimit() throws {
        let path = Self.root + "/vector_u2.nii.gz"
        #expect { try NIfTIVolumeReader(path: path, memoryLimit: MemoryLimit(bytes: 512)) } throws: { error in
            "\(error)".hasPrefix(path + ": ") && "\(error)".contains("--max-memory") && "\(error)".contains("not read by region")
        }
    }
}
