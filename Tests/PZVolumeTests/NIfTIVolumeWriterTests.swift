import Foundation
import PZGraph
import PZPatchIO
import PZTestSupport
@testable import PZVolume
import Testing

/// NIfTI outputs: read back through libnifti (`NIfTIVolumeReader`), resumed
/// after a simulated kill, gzip twins, and the input's placement carried over.
@Suite struct NIfTIVolumeWriterTests {
    static let root = TestPaths.fixture("volumes/nifti")
    static let limit = MemoryLimit(bytes: 1 << 30)

    /// Writes the chunks `indices` of `values` (the whole output, C-major).
    static func write(_ values: [Float], to writer: VolumeWriter, chunks indices: some Sequence<Int>) throws {
        let (depth, height, width) = (writer.shape[1], writer.shape[2], writer.shape[3])
        for index in indices {
            let position = writer.chunks.position(index)
            let box = writer.chunks.box(position)
            var chunk: [Float] = []
            for c in 0..<writer.shape[0] {
                for d in box.origin[0]..<box.end[0] {
                    for h in box.origin[1]..<box.end[1] {
                        for w in box.origin[2]..<box.end[2] { chunk.append(values[((c * depth + d) * height + h) * width + w]) }
                    }
                }
            }
            try writer.write(position, values: chunk)
        }
    }

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// A run cut short (some chunks written and recorded, one record line torn)
    /// and run again gives the bytes of an uninterrupted run, for `.nii` and
    /// `.nii.gz`; the `.nii.gz` decompresses to its `.nii` twin.
    @Test func resumedRunIsByteIdenticalAndGzipIsItsTwin() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let geometry = try NIfTIVolumeReader(path: Self.root + "/f4.nii", memoryLimit: Self.limit).geometry
        let values = try NPYFile.read(Self.root + "/channels_f4.expected.npy").values
        let make = { (path: String) in
            try NIfTIVolumeWriter(path: path, shape: [2, 5, 6, 7], chunkShape: [2, 4, 3], dataType: .float32,
                                  geometry: geometry, identity: "run", overwrite: false)
        }
        for suffix in [".nii", ".nii.gz"] {
            let whole = try make(directory + "/whole" + suffix)
            #expect(whole.chunks.chunkCount == 18)
            try Self.write(values, to: whole, chunks: 0..<18)
            try whole.finish()

            let cut = directory + "/cut" + suffix
            try Self.write(values, to: try make(cut), chunks: Array(0..<7) + [11])
            let record = try FileHandle(forWritingTo: URL(fileURLWithPath: cut + ".partial.done"))
            try record.seekToEnd()
            try record.write(contentsOf: Data("13".utf8))  // killed mid-line: not recorded
            try record.close()
            let resumed = try make(cut)
            let done = try (0..<18).filter { try resumed.isDone(resumed.chunks.position($0)) }
            #expect(done == Array(0..<7) + [11])
            try Self.write(values, to: resumed, chunks: (0..<18).filter { !done.contains($0) })
            try resumed.finish()
            #expect(try Self.bytes(cut) == Self.bytes(directory + "/whole" + suffix))
            #expect(!FileManager.default.fileExists(atPath: cut + ".partial"))
            #expect(!FileManager.default.fileExists(atPath: cut + ".partial.done"))
        }
        let nii = try Self.bytes(directory + "/whole.nii")
        #expect(nii.count == 352 + 2 * 5 * 6 * 7 * 4)
        let gzip = try Self.bytes(directory + "/whole.nii.gz")
        #expect(gzip.prefix(2) == Data([0x1F, 0x8B]) && gzip.count < nii.count)
        #expect(try GzipFile.read(directory + "/whole.nii.gz", from: 0, count: 1 << 20) == nii)
    }

    /// The output takes the input's qform, sform, spacing, units and version,
    /// and holds the values written (uint8: round(255·p)).
    @Test(arguments: ["f4.nii", "n2_i4.nii", "i2_scaled.nii.gz"], [ArrayDataType.float32, .uint8])
    func outputCarriesTheInputsGeometry(input: String, dataType: ArrayDataType) throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let source = try NIfTIVolumeReader(path: Self.root + "/" + input, memoryLimit: Self.limit)
        let values = try NPYFile.read(Self.root + "/f4.expected.npy").values  // 0…1
        let path = directory + "/out" + (input.hasSuffix(".gz") ? ".nii.gz" : ".nii")
        let writer = try NIfTIVolumeWriter(path: path, shape: [1, 5, 6, 7], chunkShape: [5, 6, 7], dataType: dataType,
                                           geometry: source.geometry, identity: "run", overwrite: false)
        try Self.write(values, to: writer, chunks: [0])
        try writer.finish()
        let back = try NIfTIVolumeReader(path: path, memoryLimit: Self.limit)
        #expect(back.geometry == source.geometry)
        #expect(back.shape == [1, 5, 6, 7])
        let read = try back.read(VolumeBox(shape: [5, 6, 7]))
        #expect(read == (dataType == .uint8 ? values.map { ($0 * 255).rounded() } : values))
    }

    /// Without a NIfTI input: NIfTI-1, unit spacing, no qform or sform; several
    /// channels go on dim[4].
    @Test func outputOfAnotherFormatIsUnplaced() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let values = try NPYFile.read(Self.root + "/channels_f4.expected.npy").values
        let writer = try NIfTIVolumeWriter(path: directory + "/out.nii", shape: [2, 5, 6, 7], chunkShape: [5, 6, 7],
                                           dataType: .float32, geometry: nil, identity: "run", overwrite: false)
        try Self.write(values, to: writer, chunks: [0])
        try writer.finish()
        let back = try NIfTIVolumeReader(path: directory + "/out.nii", memoryLimit: Self.limit)
        #expect(back.geometry == .unplaced)
        #expect(back.shape == [2, 5, 6, 7])
        #expect(try back.read(VolumeBox(shape: [5, 6, 7])) == values)
    }

    /// Another run's unfinished output (other options, or another header), a
    /// finished output and float16 are refused in one line.
    @Test func refusals() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let path = directory + "/out.nii.gz"
        let make = { (identity: String, dataType: ArrayDataType, overwrite: Bool) in
            try NIfTIVolumeWriter(path: path, shape: [1, 5, 6, 7], chunkShape: [2, 6, 7], dataType: dataType,
                                  geometry: nil, identity: identity, overwrite: overwrite)
        }
        let first = try make("run", .float32, false)
        try Self.write([Float](repeating: 0.5, count: 210), to: first, chunks: [0])
        let message = { (error: any Error, text: String) in "\(error)".hasPrefix(path + ": ") && "\(error)".contains(text) }
        #expect { try make("another run", .float32, false) } throws: { message($0, "an unfinished output of another model") }
        #expect { try make("run", .float16, false) } throws: { message($0, "NIfTI has no float16 type; use --dtype float32") }
        // The same run's identity with another input's placement: another header, so another run.
        let placed = try NIfTIVolumeReader(path: Self.root + "/f4.nii", memoryLimit: Self.limit).geometry
        #expect {
            try NIfTIVolumeWriter(path: path, shape: [1, 5, 6, 7], chunkShape: [2, 6, 7], dataType: .float32,
                                  geometry: placed, identity: "run", overwrite: false)
        } throws: { message($0, "an unfinished output of another model") }
        let again = try make("another run", .float32, true)  // --overwrite starts again
        #expect(try !again.isDone([0, 0, 0]))
        try Self.write([Float](repeating: 0.5, count: 210), to: again, chunks: 0..<3)
        try again.finish()
        #expect { try make("run", .float32, false) } throws: { message($0, "exists and was not made by this model") }
        // The same run again finds its output finished: every chunk done, nothing rewritten.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let rerun = try make("another run", .float32, false)
        #expect(try rerun.isDone([0, 0, 0]) && rerun.isDone([2, 0, 0]))
        try rerun.finish()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes)
        // Changed since: refused again.
        try Data(bytes + [0]).write(to: URL(fileURLWithPath: path))
        #expect { try make("another run", .float32, false) } throws: { message($0, "exists and was not made") }
    }
}
