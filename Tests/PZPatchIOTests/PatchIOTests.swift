import Foundation
import PZGraph
import PZHDF5
import PZPatchIO
import PZTestSupport
import Testing

@Suite struct PatchIOTests {
    /// A channels_last input: IR 1×3×2×2×2, source NDHWC 1×2×2×2×3.
    private let shape = [1, 3, 2, 2, 2]
    private var tensor: Tensor { Tensor(shape: shape, values: (0..<24).map { Float($0) }) }

    @Test func parsesLocations() throws {
        #expect(try PatchLocation("a/patch.bin") == .raw(path: "a/patch.bin"))
        #expect(try PatchLocation("x.npy") == .npy(path: "x.npy"))
        #expect(try PatchLocation("vol.h5:/raw/data") == .hdf5(path: "vol.h5", dataset: "/raw/data"))
        #expect(throws: PatchError.self) { try PatchLocation("vol.h5") }
        #expect(throws: PatchError.self) { try PatchLocation("x.txt") }
    }

    @Test(arguments: ["out.bin", "out.npy", "out.h5:/group/prediction"])
    func roundTripsThroughEachFormat(_ name: String) throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let location = try PatchLocation(directory + "/" + name)
        try PatchIO.write(tensor, layout: .ndhwc, to: location)
        let back = try PatchIO.read(location, shape: shape, layout: .ndhwc, inputName: "data")
        #expect(back == tensor)
    }

    /// The file holds the source layout: a channels_last .npy has C last.
    @Test func writesTheSourceLayout() throws {
        let path = try TestPaths.makeTemporaryDirectory() + "/out.npy"
        try PatchIO.write(tensor, layout: .ndhwc, to: .npy(path: path))
        let array = try NPYFile.read(path)
        #expect(array.shape == [1, 2, 2, 2, 3])
        #expect(Array(array.values.prefix(6)) == [0, 8, 16, 1, 9, 17])
    }

    @Test func acceptsArraysWithoutTheBatchDimension() throws {
        let path = try TestPaths.makeTemporaryDirectory() + "/in.npy"
        try NPYFile.write(shape: [3, 2, 2, 2], values: tensor.values, to: path)
        #expect(try PatchIO.read(.npy(path: path), shape: shape, layout: .ncdhw, inputName: "data") == tensor)
    }

    @Test func rejectsSizeAndShapeMismatches() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let bin = directory + "/short.bin"
        try Data(count: 40).write(to: URL(fileURLWithPath: bin))
        let binError = #expect(throws: PatchError.self) {
            try PatchIO.read(.raw(path: bin), shape: shape, layout: .ncdhw, inputName: "data")
        }
        #expect(binError?.description == "\(bin): holds 40 bytes (10 float32 values); model input 'data' takes "
                                          + "1×3×2×2×2 (NCDHW) = 24 values, 96 bytes")
        let npy = directory + "/wrong.npy"
        try NPYFile.write(shape: [2, 3, 4], values: tensor.values, to: npy)
        let npyError = #expect(throws: PatchError.self) {
            try PatchIO.read(.npy(path: npy), shape: shape, layout: .ndhwc, inputName: "data")
        }
        #expect(npyError?.description == "\(npy): has shape 2×3×4; model input 'data' takes 1×2×2×2×3 (NDHWC)")
        let h5 = directory + "/vol.h5"
        _ = try HDF5File(creating: h5)
        #expect(throws: HDF5Error.self) { try PatchIO.read(.hdf5(path: h5, dataset: "/raw"), shape: shape, layout: .ncdhw,
                                                           inputName: "data") }
    }
}
