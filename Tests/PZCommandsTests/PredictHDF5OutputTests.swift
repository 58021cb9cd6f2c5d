import Foundation
import PZGraph
import PZHDF5
import PZPatchIO
import PZTestSupport
import Testing

/// `predict -o file.h5:/dataset` and `run -o file.h5:/dataset` into files that
/// hold other objects (written by h5py: Fixtures/volumes/hdf5/volumes.h5).
extension PredictCommandTests {
    /// Every dataset of the fixture file and its values, read in this process.
    private func datasets(_ file: String) throws -> [String: [Float]] {
        let root = try HDF5File(readingFrom: file).root
        var result: [String: [Float]] = [:]
        for name in ["raw_u1", "raw_i2", "multi_f4", "multi_last_f8"] { result[name] = try root.dataset(name).readFloats() }
        return result
    }

    /// A copy of the h5py fixture file in `directory`.
    private func fixtureCopy(in directory: String) throws -> String {
        let file = directory + "/volumes.h5"
        try FileManager.default.copyItem(atPath: TestPaths.fixture("volumes/hdf5/volumes.h5"), toPath: file)
        return file
    }

    /// The output dataset is the prediction a .npy output holds (float32 and
    /// uint8, in a new group), the file's other datasets keep their values, a
    /// rerun has nothing to do, other options need --overwrite, and nothing is
    /// left beside the file.
    @Test func hdf5OutputGoesIntoTheFileAndKeepsTheRest() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let model = try net([4, 4, 4], in: directory, name: "one")
        let file = try fixtureCopy(in: directory)
        let before = try datasets(file)
        let input = file + ":/raw_u1"
        for (dtype, dataset) in [("float32", "/pred/prob"), ("uint8", "/pred/prob_u8")] {
            let options = ["--overlap", "1", "--dtype", dtype, "--chunk", "3,4,5"]
            let npy = try CLI.run(["predict", model, input, "-o", directory + "/\(dtype).npy"] + options)
            #expect(npy.status == 0, "\(npy.stderr)")
            let h5 = try CLI.run(["predict", model, input, "-o", file + ":" + dataset, "--json"] + options)
            #expect(h5.status == 0, "\(h5.stderr)")
            let written = try HDF5File(readingFrom: file).root.dataset(String(dataset.dropFirst()))
            #expect(try written.shape() == [2, 5, 6, 7])
            if dtype == "float32" {
                #expect(try written.readFloats() == NPYFile.read(directory + "/float32.npy").values)
            } else {  // the .npy's last bytes are its uint8 values
                let bytes = try Data(contentsOf: URL(fileURLWithPath: directory + "/uint8.npy")).suffix(2 * 5 * 6 * 7)
                #expect(try written.readFloats() == bytes.map { Float($0) })
            }
            #expect(try written.stringAttribute("pzconv").contains("dtype \(dtype == "uint8" ? "|u1" : "<f4")"))
            let again = try CLI.run(["predict", model, input, "-o", file + ":" + dataset, "--json"] + options)
            #expect(again.status == 0 && again.stdout.contains("\"chunks_written\": 0"), "\(again.stderr)")
        }
        #expect(try datasets(file) == before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains("volumes.h5") }
        #expect(leftovers == ["volumes.h5"])

        let other = try CLI.run(["predict", model, input, "-o", file + ":/pred/prob", "--blend", "mean"])
        #expect(other.status == 1 && other.stderr.contains("--overwrite"), "\(other.stderr)")
        let replaced = try CLI.run(["predict", model, input, "-o", file + ":/pred/prob", "--blend", "mean", "--overwrite"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try HDF5File(readingFrom: file).root.dataset("pred/prob").stringAttribute("pzconv").contains("blend mean"))
        #expect(try datasets(file) == before)
    }

    /// Killed mid-run and run again, the dataset holds the values of an
    /// uninterrupted run; the partial array beside the file is gone.
    @Test func hdf5OutputKilledAndRerunIsTheSame() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let model = try net([6, 16, 16], in: directory, name: "tile")
        let (raw, _) = try volume(in: directory)
        let options = ["--chunk", "3,8,8", "--blend", "gaussian"]
        #expect(try CLI.run(["predict", model, raw, "-o", directory + "/whole.npy"] + options).status == 0)
        let expected = try NPYFile.read(directory + "/whole.npy").values
        var interrupted = 0
        for (attempt, seconds) in [0.4, 0.8, 1.2].enumerated() {
            let file = try fixtureCopy(in: try TestPaths.makeTemporaryDirectory())
            let output = file + ":/killed\(attempt)"
            try startAndKill(["predict", model, raw, "-o", output] + options, after: seconds)
            if FileManager.default.fileExists(atPath: file + ".partial") { interrupted += 1 }
            let again = try CLI.run(["predict", model, raw, "-o", output] + options)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try HDF5File(readingFrom: file).root.dataset("killed\(attempt)").readFloats() == expected)
            #expect(!FileManager.default.fileExists(atPath: file + ".partial"))
        }
        #expect(interrupted > 0, "no kill landed mid-run: the run is too short for this test")
    }

    /// `run -o file.h5:/name` into a file that exists replaces only that dataset.
    @Test func runIntoAnExistingHDF5FileKeepsTheRest() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let model = try net([4, 4, 4], in: directory, name: "one")
        let file = try fixtureCopy(in: directory)
        let before = try datasets(file)
        var random = SeededRandom(seed: 3)
        try NPYFile.write(shape: [1, 1, 4, 4, 4], values: random.floats(64), to: directory + "/patch.npy")
        #expect(try CLI.run(["run", model, directory + "/patch.npy", "-o", directory + "/out.npy"]).status == 0)
        for _ in 0..<2 {  // created, then replaced
            let result = try CLI.run(["run", model, directory + "/patch.npy", "-o", file + ":/out"])
            #expect(result.status == 0, "\(result.stderr)")
        }
        #expect(try HDF5File(readingFrom: file).root.dataset("out").readFloats() == NPYFile.read(directory + "/out.npy").values)
        #expect(try datasets(file) == before)
    }

    /// Outputs into HDF5 that cannot be: one line, exit status 1, the file unchanged.
    @Test func wrongHDF5OutputsAreRefused() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let model = try net([4, 4, 4], in: directory, name: "one")
        let file = try fixtureCopy(in: directory)
        let original = try Data(contentsOf: URL(fileURLWithPath: file))
        try HDF5File(creating: directory + "/grouped.h5").root.createGroup("group")
        try Data("not HDF5".utf8).write(to: URL(fileURLWithPath: directory + "/text.h5"))
        let input = file + ":/raw_u1"
        let cases: [([String], String)] = [
            (["-o", directory + "/grouped.h5:/group"], "is a group"),
            (["-o", directory + "/text.h5:/out"], "text.h5: not an HDF5 file"),
            (["-o", file + ":/raw_i2"], "exists and was not made by this model"),
            (["-o", file + ":/raw_u1", "--overwrite"], "is the input too"),
            (["-o", file + ":/out", "--shard", "0/2"], "--shard needs a Zarr output"),
            (["-o", file + ":/a/../b"], "may not contain"),
        ]
        for (arguments, message) in cases {
            let result = try CLI.run(["predict", model, input] + arguments)
            #expect(result.status == 1 && result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == original)
    }
}
