import Foundation
import PZPatchIO
import PZTestSupport
import PZVolume
import Testing

/// Directories of TIFF slices tifffile wrote (Fixtures/volumes/make_tiff.py):
/// strips and tiles, deflate and LZMA, both byte orders, every region against
/// the values tifffile was given; hostile stacks named in one line.
@Suite struct TIFFStackTests {
    static let root = TestPaths.fixture("volumes") + "/tiff"

    @Test(arguments: ["u16_strips_deflate", "u8_plain", "f32_tiles", "i16_bigendian_lzma"])
    func readsEveryRegionOfAStack(name: String) throws {
        let reader = try TIFFStackReader(path: Self.root + "/" + name)
        #expect(reader.shape == [1, 12, 6, 7])
        #expect(reader.files.map { URL(fileURLWithPath: $0).lastPathComponent }.prefix(3) == ["slice_0.tif", "slice_1.tif", "slice_2.tif"])
        #expect(reader.files.last?.hasSuffix("slice_11.tif") == true)
        let expected = try NPYFile.read(Self.root + "/\(name).expected.npy").values
        #expect(try reader.read(VolumeBox(shape: [12, 6, 7])) == expected)
        for box in [VolumeBox(origin: [3, 1, 2], size: [4, 4, 3]), VolumeBox(origin: [11, 5, 6], size: [1, 1, 1]),
                    VolumeBox(origin: [0, 3, 0], size: [12, 3, 7])] {
            var sliced: [Float] = []
            for d in box.origin[0]..<box.end[0] { for h in box.origin[1]..<box.end[1] { for w in box.origin[2]..<box.end[2] {
                sliced.append(expected[(d * 6 + h) * 7 + w])
            } } }
            #expect(try reader.read(box) == sliced, "\(box)")
        }
        #expect(TIFFStackReader.accepts(Self.root + "/" + name))
    }

    static let hostile: [(String, String)] = [
        ("mismatched_size", "slice_5.tif: is 8 × 6 pixels; "),
        ("rgb", "slice_3.tif: has 3 samples per pixel"),
        ("not_tiff", "slice_7.tif: is not a TIFF file libtiff can open"),
        ("mixed_types", "slice_1.tif: holds 16-bit unsigned samples; "),
    ]

    @Test(arguments: hostile)
    func hostileStacksAreNamed(name: String, message: String) {
        #expect {
            try TIFFStackReader(path: Self.root + "/" + name)
        } throws: { error in
            "\(error)".contains(message) && !"\(error)".contains("\n")
        }
    }

    /// A slice cut short after the stack was opened fails the read that needs
    /// it, naming the file.
    @Test func truncatedSliceIsNamed() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        for name in try FileManager.default.contentsOfDirectory(atPath: Self.root + "/u16_strips_deflate") {
            try FileManager.default.copyItem(atPath: Self.root + "/u16_strips_deflate/" + name, toPath: directory + "/" + name)
        }
        let reader = try TIFFStackReader(path: directory)
        let slice = directory + "/slice_4.tif"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: slice))
        // Garble 32 bytes after the 8-byte header (the directory or the strips, as tifffile laid them out).
        var damaged = bytes
        for index in 8..<min(40, damaged.count) { damaged[index] = 0xFF }
        try damaged.write(to: URL(fileURLWithPath: slice))
        #expect {
            try reader.read(VolumeBox(origin: [4, 0, 0], size: [1, 6, 7]))
        } throws: { error in
            "\(error)".contains(slice)
        }
    }

    @Test func naturalOrderSortsNumbersAsNumbers() {
        let names = ["z10.tif", "z2.tif", "z1.tif", "z02b.tif", "a.tif", "z2a.tif"]
        #expect(TIFFStackReader.sortedSlices(names) == ["a.tif", "z1.tif", "z2.tif", "z2a.tif", "z02b.tif", "z10.tif"])
    }
}
