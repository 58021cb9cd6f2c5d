import Foundation
import PZGraph
import PZPatchIO
import PZTestSupport
import PZVolume
import Testing

/// The volume readers against files NumPy and zarr-python wrote
/// (Fixtures/volumes/make_volumes.py), and the writers read back.
@Suite struct VolumeFileTests {
    static let root = TestPaths.fixture("volumes")

    static func expected(_ relative: String) throws -> [Float] { try NPYFile.read(root + "/" + relative).values }

    /// The whole volume, and a box inside it, against the expected values.
    private func check(_ reader: VolumeReader, expected: [Float], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let whole = try reader.read(VolumeBox(shape: Array(reader.shape.dropFirst())))
        #expect(whole == expected, sourceLocation: sourceLocation)
        let box = VolumeBox(origin: [1, 2, 3], size: [3, 3, 4])
        let part = try reader.read(box)
        let (depth, height, width) = (reader.shape[1], reader.shape[2], reader.shape[3])
        var sliced: [Float] = []
        for c in 0..<reader.shape[0] {
            for d in 1..<4 { for h in 2..<5 { for w in 3..<7 { sliced.append(expected[((c * depth + d) * height + h) * width + w]) } } }
        }
        _ = width
        #expect(part == sliced, sourceLocation: sourceLocation)
    }

    @Test(arguments: ["le_f4", "be_f4", "le_f8", "le_f2", "u1", "i1", "le_u2", "be_u2", "le_i2", "le_u4", "le_i4", "le_i8"])
    func npyOfEveryDtype(name: String) throws {
        let reader = try NPYVolumeReader(path: Self.root + "/npy/\(name).npy")
        #expect(reader.shape == [1, 5, 6, 7])
        try check(reader, expected: try Self.expected("npy/expected_\(name).npy"))
    }

    @Test func npyChannelsLast() throws {
        let reader = try NPYVolumeReader(path: Self.root + "/npy/channels_last.npy", channelAxis: .last)
        #expect(reader.shape == [2, 5, 6, 7])
        try check(reader, expected: try Self.expected("expected.npy"))
        #expect(throws: VolumeError.self) { try NPYVolumeReader(path: Self.root + "/npy/channels_last.npy") }
    }

    @Test(arguments: ["raw_f4_3d", "zlib_u1_3d", "gzip_u2_3d", "zlib_f4_4d_first", "missing_chunk_fill", "ome",
                      "blosc_lz4_f4_3d", "blosc_zstd_bitshuffle_u2_3d"])
    func zarrArrays(name: String) throws {
        let reader = try ZarrVolumeReader(path: Self.root + "/zarr/\(name).zarr", channelAxis: .first)
        try check(reader, expected: try Self.expected("zarr/\(name).expected.npy"))
    }

    @Test func zarrChannelsLast() throws {
        let reader = try ZarrVolumeReader(path: Self.root + "/zarr/raw_f8_4d_last.zarr", channelAxis: .last)
        #expect(reader.shape == [2, 5, 6, 7])
        try check(reader, expected: try Self.expected("expected.npy"))
    }

    /// NIfTI-1 and NIfTI-2 images nibabel wrote (Fixtures/volumes/make_nifti.py):
    /// every type and byte order, scaled, 4-D and 5-D channels, gzip; read as
    /// (C, z, y, x) with scl_slope and scl_inter applied, as nibabel reads them.
    @Test(arguments: ["f4.nii", "i2_scaled.nii.gz", "u1.nii", "be_f8.nii", "channels_f4.nii", "vector_u2.nii.gz", "n2_i4.nii"])
    func niftiImages(name: String) throws {
        let reader = try NIfTIVolumeReader(path: Self.root + "/nifti/" + name, memoryLimit: MemoryLimit(bytes: 1 << 20))
        let expected = try NPYFile.read(Self.root + "/nifti/" + name.prefix { $0 != "." } + ".expected.npy")
        #expect(reader.shape == expected.shape)
        try check(reader, expected: expected.values)
        #expect(reader.geometry.version == (name.hasPrefix("n2") ? 2 : 1))
        #expect(reader.geometry.qformCode == 1 && reader.geometry.sformCode == 2)
        // nibabel's sform (float32 in the file): rotation by 30° of spacing 0.8, 1.2, 2.5, a shear, an offset.
        let sform: [[Float]] = [[0.69282031, -0.6, 0.3, -10], [0.4, 1.03923047, 0, 20.5], [0, 0, 2.5, 3]]
        #expect(zip(reader.geometry.sform.joined(), sform.joined()).allSatisfy { abs(Float($0) - $1) < 1e-6 })
        #expect(reader.geometry.spacing.map { Float($0) } == [0.8, 1.2, 2.5])
        #expect(reader.geometry.spatialUnits == 2 && reader.geometry.temporalUnits == 8)  // mm, s
    }

    /// The bump and Gaussian weights equal an independent NumPy computation.
    @Test(arguments: [[4, 8, 8], [5, 6, 7], [18, 32, 32]], [BlendMode.bump, .gaussian])
    func blendWeightsMatchNumPy(patch: [Int], blend: BlendMode) throws {
        let name = "weights/\(blend.rawValue)_\(patch.map(String.init).joined(separator: "x")).npy"
        let expected = try Self.expected(name)
        let weights = blend.weights(patch: patch)
        #expect(weights.count == expected.count)
        let worst = zip(weights, expected).map { abs($0 - $1) / max($1, 1e-30) }.max() ?? 0
        #expect(worst <= 1e-5, "\(name): relative error \(worst)")
    }

    /// Our Zarr output read back, for every output type; its metadata is what
    /// zarr-python writes (Blosc LZ4 chunks with byte shuffle, C order, '.' keys).
    @Test(arguments: [ArrayDataType.float32, .float16, .uint8])
    func zarrOutputReadsBack(dataType: ArrayDataType) throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let path = directory + "/out.zarr"
        let writer = try ZarrVolumeWriter(path: path, shape: [2, 5, 6, 7], chunkShape: [2, 4, 3], dataType: dataType,
                                          identity: "test", overwrite: false)
        let expected = try Self.expected("expected.npy")
        for index in 0..<writer.chunks.chunkCount {
            let position = writer.chunks.position(index)
            let box = writer.chunks.box(position)
            var values: [Float] = []
            for c in 0..<2 {
                for d in box.origin[0]..<box.end[0] {
                    for h in box.origin[1]..<box.end[1] {
                        for w in box.origin[2]..<box.end[2] { values.append(expected[((c * 5 + d) * 6 + h) * 7 + w]) }
                    }
                }
            }
            try writer.write(position, values: values)
            #expect(try writer.isDone(position))
        }
        let back = try ZarrVolumeReader(path: path, channelAxis: .first).read(VolumeBox(shape: [5, 6, 7]))
        if dataType == .uint8 {
            #expect(zip(back, expected).allSatisfy { $0 == ($1 * 255).rounded() })  // round(255·p)
        } else {
            let tolerance: Float = dataType == .float16 ? 1e-3 : 0
            #expect(zip(back, expected).allSatisfy { abs($0 - $1) <= tolerance })
        }
        let metadata = try String(contentsOfFile: path + "/.zarray", encoding: .utf8)
        #expect(metadata.contains("\"dtype\": \"\(dataType)\"") && metadata.contains("\"id\": \"blosc\""))
        // Another run's options on the same output: refused unless --overwrite.
        #expect(throws: VolumeError.self) {
            try ZarrVolumeWriter(path: path, shape: [2, 5, 6, 7], chunkShape: [2, 4, 3], dataType: dataType,
                                 identity: "another", overwrite: false)
        }
    }

    /// Damaged Zarr input: each error names the file and the problem.
    @Test func damagedZarrIsNamed() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let source = Self.root + "/zarr/zlib_u1_3d.zarr"
        let copy = directory + "/bad.zarr"
        try FileManager.default.copyItem(atPath: source, toPath: copy)
        try Data([1, 2, 3, 4]).write(to: URL(fileURLWithPath: copy + "/0.0.0"))
        let reader = try ZarrVolumeReader(path: copy)
        #expect { try reader.read(VolumeBox(origin: [0, 0, 0], size: [1, 1, 1])) } throws: { error in
            "\(error)".contains("bad.zarr/0.0.0") && "\(error)".contains("zlib")
        }
        let blosc = directory + "/bad-blosc.zarr"
        try FileManager.default.copyItem(atPath: Self.root + "/zarr/blosc_lz4_f4_3d.zarr", toPath: blosc)
        try Data(repeating: 0x5A, count: 64).write(to: URL(fileURLWithPath: blosc + "/0.0.0"))
        #expect { try ZarrVolumeReader(path: blosc).read(VolumeBox(origin: [0, 0, 0], size: [1, 1, 1])) } throws: { error in
            "\(error)".contains("bad-blosc.zarr/0.0.0") && "\(error)".contains("Blosc")
        }
        let metadata = try String(contentsOfFile: copy + "/.zarray", encoding: .utf8)
        try metadata.replacingOccurrences(of: "\"zlib\"", with: "\"lzma\"")
            .write(toFile: copy + "/.zarray", atomically: true, encoding: .utf8)
        #expect { try ZarrVolumeReader(path: copy) } throws: { error in
            "\(error)".contains("bad.zarr/.zarray") && "\(error)".contains("lzma")
        }
        try "{\"zarr_format\": 2, \"shape\": [4, -1, 2]}".write(toFile: copy + "/.zarray", atomically: true, encoding: .utf8)
        #expect { try ZarrVolumeReader(path: copy) } throws: { error in "\(error)".contains("shape") }
    }

    @Test func truncatedNPYIsNamed() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.root + "/npy/le_f4.npy"))
        try bytes.prefix(bytes.count - 9).write(to: URL(fileURLWithPath: directory + "/cut.npy"))
        #expect { try NPYVolumeReader(path: directory + "/cut.npy") } throws: { error in
            "\(error)".contains("cut.npy: truncated")
        }
    }
}
