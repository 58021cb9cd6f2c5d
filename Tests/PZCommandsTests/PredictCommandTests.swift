import Foundation
import PZGraph
import PZPatchIO
import PZTestSupport
import Testing

/// `pzconv predict` end to end, as a user runs it.
@Suite struct PredictCommandTests {
    /// Two same-padded 3×3×3 convolutions (field of view 5) and a sigmoid, one
    /// channel in and two out, for an input of `shape` (D, H, W).
    func net(_ shape: [Int], in directory: String, name: String, channels: Int = 1) throws -> String {
        var b = GraphBuilder(name: "volume-net", seed: 11)
        let x = b.input("raw", shape: [1, channels] + shape)
        let same = ConvolutionParameters(outputChannels: 3, kernel: [3, 3, 3], padBegin: [1, 1, 1], padEnd: [1, 1, 1])
        let first = b.convolution("conv1", x, inputChannels: channels, same)
        var second = same
        second.outputChannels = 2
        let conv2 = b.convolution("conv2", first, inputChannels: 3, second)
        let output = b.add("prob", .activation(.sigmoid), inputs: [conv2])
        b.output(output)
        let path = directory + "/\(name).pzir"
        try PZIRFile.write(b.graph, to: path)
        return path
    }

    /// A 14×37×29 float32 volume (not a multiple of the patch).
    func volume(in directory: String) throws -> (path: String, values: [Float]) {
        var random = SeededRandom(seed: 9)
        let values = random.floats(14 * 37 * 29)
        let path = directory + "/raw.npy"
        try NPYFile.write(shape: [14, 37, 29], values: values, to: path)
        return (path, values)
    }

    func files(_ directory: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where !name.hasPrefix(".") || name.hasPrefix(".z") {
            result[name] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
        }
        return result
    }

    /// Runs pzconv with `arguments` and kills it with SIGKILL after `seconds`.
    func startAndKill(_ arguments: [String], after seconds: Double) throws {
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: seconds)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// --blend crop with an overlap of at least the field of view equals one run
    /// of the same net over the whole volume (reference executor, exactly).
    @Test func cropEqualsAWholeVolumeRun() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let tiled = try net([6, 16, 16], in: directory, name: "tile")
        let whole = try net([14, 37, 29], in: directory, name: "whole")
        let (raw, values) = try volume(in: directory)
        let result = try CLI.run(["predict", tiled, raw, "-o", directory + "/out.npy", "--blend", "crop", "--overlap", "4"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("out.npy"))
        try NPYFile.write(shape: [1, 14, 37, 29], values: values, to: directory + "/patch.npy")
        let reference = try CLI.run(["run", whole, directory + "/patch.npy", "-o", directory + "/whole.npy"])
        #expect(reference.status == 0, "\(reference.stderr)")
        let predicted = try NPYFile.read(directory + "/out.npy")
        let expected = try NPYFile.read(directory + "/whole.npy")
        #expect(predicted.shape == [2, 14, 37, 29])
        #expect(predicted.values == expected.values)
    }

    /// --patch re-plans the model for another tile size: the .pzir on the
    /// reference executor still equals the whole-volume run under crop, and the
    /// .pz re-planned in memory agrees with it.
    @Test func patchReplansTheModel() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let tiled = try net([6, 16, 16], in: directory, name: "tile")
        let whole = try net([14, 37, 29], in: directory, name: "whole")
        let (raw, values) = try volume(in: directory)
        let options = ["--blend", "crop", "--overlap", "4", "--patch", "9,20,12"]
        let reference = try CLI.run(["predict", tiled, raw, "-o", directory + "/reference.npy", "--json"] + options)
        #expect(reference.status == 0, "\(reference.stderr)")
        try NPYFile.write(shape: [1, 14, 37, 29], values: values, to: directory + "/patch.npy")
        #expect(try CLI.run(["run", whole, directory + "/patch.npy", "-o", directory + "/whole.npy"]).status == 0)
        #expect(try NPYFile.read(directory + "/reference.npy").values == NPYFile.read(directory + "/whole.npy").values)

        let packed = directory + "/tile.pz"
        #expect(try CLI.run(["export", tiled, "-o", packed]).status == 0)
        let fast = try CLI.run(["predict", packed, raw, "-o", directory + "/fast.npy"] + options)
        #expect(fast.status == 0, "\(fast.stderr)")
        let difference = zip(try NPYFile.read(directory + "/fast.npy").values, try NPYFile.read(directory + "/reference.npy").values)
            .map { abs($0 - $1) }.max() ?? 1
        #expect(difference < 1e-5)
        let bad = try CLI.run(["predict", packed, raw, "-o", directory + "/bad.npy", "--patch", "9,0,12"])
        #expect(bad.status == 1 && bad.stderr.contains("--patch"), "\(bad.stderr)")
        // The net's field of view is 5³: a patch of 5 per axis still runs, 4 along D does not, for either model.
        let smallest = try CLI.run(["predict", packed, raw, "-o", directory + "/smallest.npy", "--patch", "5,5,5"])
        #expect(smallest.status == 0, "\(smallest.stderr)")
        for model in [packed, tiled] {
            let small = try CLI.run(["predict", model, raw, "-o", directory + "/small.npy", "--patch", "4,16,16"])
            #expect(small.status == 1, "\(small.stderr)")
            #expect(small.stderr.contains("--patch 4,16,16 is smaller than the net's field of view (5×5×5 input voxels; "
                                          + "its own patch is 6×16×16): use at least 5,5,5"), "\(small.stderr)")
        }
    }

    /// A small --accumulator-memory sweeps the volume in columns (tiles on their
    /// edges run twice) and writes the same bytes; a bad size is one line.
    @Test func accumulatorMemorySweepsColumnsToTheSameBytes() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let model = try net([6, 16, 16], in: directory, name: "tile")
        let (raw, _) = try volume(in: directory)
        let options = ["--chunk", "3,8,8", "--blend", "gaussian", "--json"]
        let whole = try CLI.run(["predict", model, raw, "-o", directory + "/whole.zarr"] + options)
        #expect(whole.status == 0, "\(whole.stderr)")
        let swept = try CLI.run(["predict", model, raw, "-o", directory + "/swept.zarr", "--accumulator-memory", "20K"] + options)
        #expect(swept.status == 0, "\(swept.stderr)")
        #expect(try files(directory + "/swept.zarr") == files(directory + "/whole.zarr"))
        let summary = try JSONSerialization.jsonObject(with: Data(swept.stdout.utf8)) as! [String: Any]
        #expect(summary["tiles_repeated"] as! Int > 0)
        let bad = try CLI.run(["predict", model, raw, "-o", directory + "/bad.zarr", "--accumulator-memory", "lots"])
        #expect(bad.status == 1 && bad.stderr.contains("--accumulator-memory: 'lots' is not a memory size"), "\(bad.stderr)")
    }

    /// Shards 0/3, 1/3, 2/3 into one Zarr output give the same bytes as one run;
    /// a run cut short (chunks missing, a temporary file left) and run again too.
    @Test func shardsAndResumeAreByteIdentical() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let model = try net([6, 16, 16], in: directory, name: "tile")
        let packed = directory + "/tile.pz"
        #expect(try CLI.run(["export", model, "-o", packed]).status == 0)
        let (raw, _) = try volume(in: directory)
        let options = ["--chunk", "5,16,16", "--dtype", "float16", "--threads", "1"]
        let whole = try CLI.run(["predict", packed, raw, "-o", directory + "/whole.zarr", "--json"] + options)
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(whole.stdout.contains("\"chunks_written\": 18"), "\(whole.stdout)")
        for shard in 0..<3 {
            let part = try CLI.run(["predict", packed, raw, "-o", directory + "/sharded.zarr", "--shard", "\(shard)/3"] + options)
            #expect(part.status == 0, "\(part.stderr)")
        }
        let expected = try files(directory + "/whole.zarr")
        #expect(expected.count == 18 + 2)
        #expect(try files(directory + "/sharded.zarr") == expected)

        // A cut-short run: some chunks never written, one temporary file left.
        let resumed = directory + "/resumed.zarr"
        try FileManager.default.copyItem(atPath: directory + "/whole.zarr", toPath: resumed)
        for chunk in ["0.0.0.0", "0.1.1.1", "0.2.2.1"] { try FileManager.default.removeItem(atPath: resumed + "/" + chunk) }
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: resumed + "/.0.1.1.1.tmp-1-2"))
        let again = try CLI.run(["predict", packed, raw, "-o", resumed, "--json"] + options)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("\"chunks_written\": 3") && again.stdout.contains("\"chunks_already_done\": 15"))
        var resumedFiles = try files(resumed)
        resumedFiles[".0.1.1.1.tmp-1-2"] = nil
        #expect(resumedFiles == expected)
    }

    /// The same command run again on its finished .npy and .nii.gz outputs
    /// (found through OUTPUT.pzconv) does nothing and succeeds; other options,
    /// or an output changed since, are refused.
    @Test(arguments: ["out.npy", "out.nii.gz"])
    func finishedSingleFileOutputIsFoundFinished(_ name: String) throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let model = try net([6, 16, 16], in: directory, name: "tile")
        let (raw, _) = try volume(in: directory)
        let output = directory + "/" + name
        #expect(try CLI.run(["predict", model, raw, "-o", output, "--chunk", "3,8,8"]).status == 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: output))
        let again = try CLI.run(["predict", model, raw, "-o", output, "--chunk", "3,8,8", "--json"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("\"chunks_written\": 0") && again.stdout.contains("\"tiles\": 0"), "\(again.stdout)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == bytes)
        let other = try CLI.run(["predict", model, raw, "-o", output, "--chunk", "3,8,8", "--blend", "mean"])
        #expect(other.status == 1 && other.stderr.contains("exists and was not made by this model"), "\(other.stderr)")
        try Data(bytes.reversed()).write(to: URL(fileURLWithPath: output))  // same size, another time
        let changed = try CLI.run(["predict", model, raw, "-o", output, "--chunk", "3,8,8"])
        #expect(changed.status == 1 && changed.stderr.contains("--overwrite"), "\(changed.stderr)")
    }

    /// A process killed mid-run (SIGKILL) and started again gives the bytes of an
    /// uninterrupted run (.npy output: chunks written in place and recorded).
    @Test func killedAndRerunIsByteIdentical() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let model = try net([6, 16, 16], in: directory, name: "tile")
        let (raw, _) = try volume(in: directory)
        let options = ["--chunk", "3,8,8", "--blend", "gaussian"]
        #expect(try CLI.run(["predict", model, raw, "-o", directory + "/whole.npy"] + options).status == 0)
        let expected = try Data(contentsOf: URL(fileURLWithPath: directory + "/whole.npy"))
        var interrupted = 0
        for (attempt, seconds) in [0.3, 0.6, 0.9].enumerated() {
            let output = directory + "/killed\(attempt).npy"
            try startAndKill(["predict", model, raw, "-o", output] + options, after: seconds)
            if FileManager.default.fileExists(atPath: output + ".partial") { interrupted += 1 }
            // (A run that finished before its kill is found finished: the rerun succeeds too.)
            let again = try CLI.run(["predict", model, raw, "-o", output] + options)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == expected)
            #expect(!FileManager.default.fileExists(atPath: output + ".partial"))
        }
        #expect(interrupted > 0, "no kill landed mid-run: the run is too short for this test")
    }

    /// HDF5 datasets written by h5py (Fixtures/volumes), read by region in the
    /// HDF5 worker, give the bytes the same volume gives from a .npy: one
    /// channel (uint8, chunked and gzip), and two (float32 channels first,
    /// float64 channels last).
    @Test func hdf5VolumesPredictLikeTheSameNPY() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let volumes = TestPaths.fixture("volumes")
        let one = try net([4, 4, 4], in: directory, name: "one")
        let two = try net([4, 4, 4], in: directory, name: "two", channels: 2)
        let runs: [(model: String, input: String, axis: [String], output: String)] = [
            (one, volumes + "/hdf5/volumes.h5:/raw_u1", [], "h5-one.npy"),
            (one, volumes + "/hdf5/raw_u1.npy", [], "npy-one.npy"),
            (two, volumes + "/hdf5/volumes.h5:/multi_f4", ["--channel-axis", "first"], "h5-first.npy"),
            (two, volumes + "/hdf5/volumes.h5:/multi_last_f8", ["--channel-axis", "last"], "h5-last.npy"),
            (two, volumes + "/npy/channels_last.npy", ["--channel-axis", "last"], "npy-last.npy"),
        ]
        for run in runs {
            let result = try CLI.run(["predict", run.model, run.input, "-o", directory + "/" + run.output, "--overlap", "1"] + run.axis)
            #expect(result.status == 0, "\(run.input): \(result.stderr)")
        }
        let bytes = { (name: String) in try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)) }
        #expect(try bytes("h5-one.npy") == bytes("npy-one.npy"))
        #expect(try bytes("h5-first.npy") == bytes("npy-last.npy"))
        #expect(try bytes("h5-last.npy") == bytes("npy-last.npy"))
        let missing = try CLI.run(["predict", one, volumes + "/hdf5/volumes.h5:/absent", "-o", directory + "/x.npy"])
        #expect(missing.status == 1 && missing.stderr.contains("volumes.h5") && missing.stderr.contains("/absent"),
                "\(missing.stderr)")
        #expect(missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")
    }

    /// A directory of TIFF slices (tifffile's, Fixtures/volumes/make_tiff.py)
    /// predicts like the .npy of the same values; a bad stack is one line.
    @Test func tiffStackPredictsLikeTheSameNPY() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let tiff = TestPaths.fixture("volumes/tiff")
        let model = try net([4, 4, 4], in: directory, name: "one")
        for (input, output) in [(tiff + "/f32_tiles", "tiff.npy"), (tiff + "/f32_tiles.expected.npy", "npy.npy")] {
            let result = try CLI.run(["predict", model, input, "-o", directory + "/" + output, "--overlap", "1"])
            #expect(result.status == 0, "\(input): \(result.stderr)")
        }
        let bytes = { (name: String) in try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)) }
        #expect(try bytes("tiff.npy") == bytes("npy.npy"))
        let bad = try CLI.run(["predict", model, tiff + "/rgb", "-o", directory + "/bad.npy"])
        #expect(bad.status == 1 && bad.stderr.contains("rgb/slice_3.tif: has 3 samples per pixel"), "\(bad.stderr)")
        #expect(bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
    }

    /// A normalization the model states (import --normalize) and the same given
    /// on the command line give the same bytes; import keeps it in the .pzir.
    @Test func normalizationStatedOrGivenIsTheSame() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let plain = try net([6, 16, 16], in: directory, name: "plain")
        var graph = try PZIRFile.read(from: plain)
        guard case .input(var parameters) = graph.nodes[0].op else { Issue.record("no input first"); return }
        parameters.normalization = .percentile(low: 1, high: 99)
        graph.nodes[0].op = .input(parameters)
        let stated = directory + "/stated.pzir"
        try PZIRFile.write(graph, to: stated)
        let (raw, _) = try volume(in: directory)
        let given = try CLI.run(["predict", plain, raw, "-o", directory + "/given.npy", "--normalize", "percentile:1,99", "--json"])
        #expect(given.status == 0 && given.stdout.contains("clamping to"), "\(given.stderr) \(given.stdout)")
        #expect(try CLI.run(["predict", stated, raw, "-o", directory + "/stated.npy"]).status == 0)
        #expect(try CLI.run(["predict", plain, raw, "-o", directory + "/none.npy"]).status == 0)
        let bytes = { (name: String) in try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)) }
        #expect(try bytes("given.npy") == bytes("stated.npy"))
        #expect(try bytes("given.npy") != bytes("none.npy"))

        let fixture = TestPaths.fixture("caffe/residual_block3d")
        let imported = directory + "/imported.pzir"
        let result = try CLI.run(["import", fixture + "/net.prototxt", "--weights", fixture + "/net.caffemodel",
                                  "--normalize", "scale:1/255", "-o", imported])
        #expect(result.status == 0, "\(result.stderr)")
        let input = try PZIRFile.read(from: imported).nodes.first { if case .input = $0.op { true } else { false } }
        if case .input(let read)? = input?.op { #expect(read.normalization == .scale(1 / 255)) }
        let bad = try CLI.run(["import", fixture + "/net.prototxt", "--weights", fixture + "/net.caffemodel",
                               "--normalize", "minmax", "-o", directory + "/bad.pzir"])
        #expect(bad.status == 1 && bad.stderr.contains("--normalize") && bad.stderr.split(separator: "\n").count == 1,
                "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/bad.pzir"))
    }

    /// Wrong inputs: one line naming the file and the problem, exit status 1.
    @Test func wrongVolumesAndOptionsAreRefused() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let model = try net([6, 16, 16], in: directory, name: "tile")
        let (raw, values) = try volume(in: directory)
        try NPYFile.write(shape: [2, 14, 37, 29], values: values + values, to: directory + "/two.npy")
        try FileManager.default.createDirectory(atPath: directory + "/plain.zarr/keep", withIntermediateDirectories: true)
        try Data([0]).write(to: URL(fileURLWithPath: directory + "/other.npy.partial"))
        try Data("model sha256 0; another run\n".utf8).write(to: URL(fileURLWithPath: directory + "/other.npy.partial.done"))
        let cases: [([String], String)] = [
            (["predict", model, directory + "/two.npy", "-o", directory + "/o.zarr", "--channel-axis", "first"],
             "two.npy: has 2 channel(s)"),
            (["predict", model, directory + "/two.npy", "-o", directory + "/o.zarr"], "--channel-axis"),
            (["predict", model, raw, "-o", directory + "/o.npy", "--shard", "1/2"], "--shard needs a Zarr output"),
            (["predict", model, raw, "-o", directory + "/o.zarr", "--shard", "2/2"], "--shard takes I/N"),
            (["predict", model, raw, "-o", directory + "/o.zarr", "--overlap", "6"], "overlap 6 along D"),
            (["predict", model, raw, "-o", directory + "/o.zarr", "--channels", "0,5"], "--channels"),
            (["predict", model, directory + "/absent.npy", "-o", directory + "/o.zarr"], "absent.npy"),
            (["predict", model, raw, "-o", raw, "--overwrite"], "is the input too"),
            (["predict", model, raw, "-o", directory + "/o.zarr", "--normalize", "minmax"], "--normalize"),
            (["predict", model, raw, "-o", directory + "/other.npy"], "unfinished output of another model"),
            (["predict", model, raw, "-o", directory, "--overwrite"], "unknown output format"),
            (["predict", model, raw, "-o", directory + "/plain.zarr", "--overwrite"], "not a Zarr array"),
            (["predict", model, raw, "-o", directory + "/o.zarr", "--chunk", "14,37,29", "--max-memory", "150K"],
             "chunk accumulators and tiles of --chunk 14,37,29 need"),
            (["predict", model, raw, "-o", directory + "/o.zarr", "--chunk", "14,37,29", "--memory-limit", "150K"],
             "chunk accumulators and tiles of --chunk 14,37,29 need"),
        ]
        for (arguments, message) in cases {
            let result = try CLI.run(arguments)
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
        // The same output asked for again with other options: refused unless --overwrite.
        #expect(try CLI.run(["predict", model, raw, "-o", directory + "/p.zarr"]).status == 0)
        let other = try CLI.run(["predict", model, raw, "-o", directory + "/p.zarr", "--blend", "mean"])
        #expect(other.status == 1 && other.stderr.contains("--overwrite"), "\(other.stderr)")
        #expect(try CLI.run(["predict", model, raw, "-o", directory + "/p.zarr", "--blend", "mean", "--overwrite"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: directory + "/plain.zarr/keep"))
    }

    /// A NIfTI input (nibabel's) to NIfTI outputs: the values a .npy of the
    /// same voxels gives, the input's placement in the output's header, the
    /// .nii.gz a gzip stream; float16 and --shard refused in one line.
    @Test func niftiInAndOut() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let model = try net([4, 4, 4], in: directory, name: "one")
        let nifti = TestPaths.fixture("volumes/nifti")
        let options = ["--overlap", "1"]
        for output in ["out.nii", "out.nii.gz"] {
            let result = try CLI.run(["predict", model, nifti + "/f4.nii", "-o", directory + "/" + output] + options)
            #expect(result.status == 0, "\(output): \(result.stderr)")
        }
        let same = try CLI.run(["predict", model, nifti + "/f4.expected.npy", "-o", directory + "/out.npy",
                                "--channel-axis", "first"] + options)
        #expect(same.status == 0, "\(same.stderr)")
        let input = try Data(contentsOf: URL(fileURLWithPath: nifti + "/f4.nii"))
        let output = try Data(contentsOf: URL(fileURLWithPath: directory + "/out.nii"))
        let values = output.dropFirst(352).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(values == (try NPYFile.read(directory + "/out.npy").values))
        // NIfTI-1 bytes 80..<92: pixdim[1...3]; 252..<328: qform and sform codes, quaternion, offsets, srow_x/y/z.
        #expect(output[80..<92] == input[80..<92] && output[252..<328] == input[252..<328])
        #expect(output[40..<52] == Data([4, 0, 7, 0, 6, 0, 5, 0, 2, 0, 1, 0]))  // dim: 4-D, x 7, y 6, z 5, 2 channels
        let gzip = try Data(contentsOf: URL(fileURLWithPath: directory + "/out.nii.gz"))
        #expect(gzip.prefix(2) == Data([0x1F, 0x8B]))
        let refused: [([String], String)] = [
            (["--dtype", "float16"], "NIfTI has no float16 type"),
            (["--shard", "0/2"], "--shard needs a Zarr output"),
        ]
        for (arguments, message) in refused {
            let result = try CLI.run(["predict", model, nifti + "/f4.nii", "-o", directory + "/other.nii"] + arguments)
            #expect(result.status == 1 && result.stderr.contains("other.nii: " + message), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
    }
}
