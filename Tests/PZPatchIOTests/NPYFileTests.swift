import Foundation
import PZGraph
import PZPatchIO
import PZTestSupport
import Testing

@Suite struct NPYFileTests {
    private let expected: [Float] = (0..<24).map { Float($0) * 0.5 - 3 }

    private func data(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Data/\(name)").path
    }

    @Test(arguments: ["f4.npy", "f8.npy", "f4_big_endian.npy", "f4_v2.npy"])
    func readsWhatNumPyWrites(_ name: String) throws {
        let array = try NPYFile.read(data(name))
        #expect(array.shape == [1, 2, 3, 4])
        #expect(array.values == expected)
    }

    @Test func readsAOneDimensionalShape() throws {
        let array = try NPYFile.read(data("scalar_row.npy"))
        #expect(array.shape == [1])
        #expect(array.values == [1.5])
    }

    @Test func rejectsUnsupportedArrays() {
        let fortran = #expect(throws: PatchError.self) { try NPYFile.read(data("f4_fortran.npy")) }
        #expect(fortran?.message == "Fortran-ordered arrays are not supported (save with C order)")
        let integers = #expect(throws: PatchError.self) { try NPYFile.read(data("i4.npy")) }
        #expect(integers?.message == "dtype '<i4' is not supported (float32 or float64 expected)")
    }

    @Test func writesWhatItReadsAndNumPyLayout() throws {
        let path = try TestPaths.makeTemporaryDirectory() + "/out.npy"
        try NPYFile.write(shape: [1, 2, 3, 4], values: expected, to: path)
        #expect(try NPYFile.read(path).values == expected)
        // Byte-identical to NumPy's own file for the same array.
        #expect(try readFileBytes(path) == readFileBytes(data("f4.npy")))
    }

    @Test func rejectsTruncatedData() throws {
        let bytes = try readFileBytes(data("f4.npy"))
        let error = #expect(throws: PatchError.self) { try NPYFile.decode(Array(bytes.dropLast(8)), path: "cut.npy") }
        #expect(error?.description == "cut.npy: truncated: shape 1×2×3×4 needs 96 data bytes, the file has 88")
        #expect(throws: PatchError.self) { try NPYFile.decode(Array("not numpy".utf8), path: "x.npy") }
    }
}
