import Foundation
import PZGraph
import PZPatchIO
import PZTestSupport
import Testing

/// include/pzconv.h from C: CProgram/api_check.c, compiled against the header
/// and the built libPZLibrary.so, run on models made by the pzconv command line;
/// its outputs must equal `pzconv run`'s bit for bit.
@Suite struct CAPITests {
    /// The built shared library's folder (next to the pzconv executable).
    static let buildDirectory = CLI.executable.deletingLastPathComponent().path

    /// api_check, compiled once per test run.
    static let program: Result<String, TestFailure> = {
        let library = buildDirectory + "/libPZLibrary.so"
        guard FileManager.default.fileExists(atPath: library) else {
            return .failure(TestFailure("\(library) is missing: build the PZLibrary product (swift build builds it)"))
        }
        guard let directory = try? TestPaths.makeTemporaryDirectory("pzconv-capi") else {
            return .failure(TestFailure("no temporary directory"))
        }
        let output = directory + "/api_check"
        let root = TestPaths.packageRoot.path
        let compiler = ["clang", "cc"].first { name in
            (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
                .contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
        } ?? "cc"
        guard let result = try? CLI.tool(compiler, [
            "-std=c11", "-Wall", "-Wextra", "-Werror", "-I", root + "/include",
            root + "/Tests/PZLibraryTests/CProgram/api_check.c", "-L", buildDirectory, "-lPZLibrary",
            "-Wl,-rpath," + buildDirectory, "-lpthread", "-o", output,
        ]), result.status == 0 else {
            return .failure(TestFailure("compiling api_check.c failed"))
        }
        return .success(output)
    }()

    /// The models the C program runs: packed (fast executor) and .pzir
    /// (reference), channels_first and channels_last, one and three outputs.
    static let models: [(fixture: String, source: [String], packed: Bool)] = [
        ("keras/residual3d_cl-k3", ["Fixtures/keras/residual3d_cl-k3/model.h5"], true),
        ("keras/residual3d_cl-k3", ["Fixtures/keras/residual3d_cl-k3/model.h5"], false),
        ("caffe/residual_block3d", ["Fixtures/caffe/residual_block3d/net.prototxt",
                                    "--weights", "Fixtures/caffe/residual_block3d/net.caffemodel"], true),
        ("keras/unet2d-k3", ["Fixtures/keras/unet2d-k3/model.h5"], true),
    ]

    @Test(arguments: models.indices)
    func runsLikeTheCommandLine(_ index: Int) throws {
        let (fixture, source, packed) = Self.models[index]
        let program = try Self.program.get()
        let directory = try TestPaths.makeTemporaryDirectory()
        let root = TestPaths.packageRoot.path
        let pzir = directory + "/net.pzir"
        let imported = try CLI.run(["import"] + source.map { $0.hasPrefix("Fixtures/") ? root + "/" + $0 : $0 } + ["-o", pzir])
        #expect(imported.status == 0, "\(imported.stderr)")
        var model = pzir
        if packed {
            model = directory + "/net.pz"
            let exported = try CLI.run(["export", pzir, "-o", model])
            #expect(exported.status == 0, "\(exported.stderr)")
        }
        let input = try NPYFile.read(TestPaths.golden(fixture + "/input.npy"))

        // The C program's first run, in the source layout; its description lines.
        let layoutLine = try Self.runProgram(program, [model, directory + "/out", "?"], in: directory, dryRun: true)
        let inputLayout = try #require(DataLayout(layoutLine.inputs[0].layout))
        let canonicalShape = try #require(inputLayout.canonicalShape(fromSource: input.shape))
        try Self.write(input.values, to: directory + "/in.bin")
        try Self.write(inputLayout.toCanonical(input.values, canonicalShape: canonicalShape), to: directory + "/in.ncdhw.bin")
        let described = try Self.runProgram(program, [model, directory + "/out", directory + "/in.bin," + directory + "/in.ncdhw.bin"],
                                            in: directory, dryRun: false)
        #expect(described.inputs.map(\.shape) == [input.shape])

        // Each output equals `pzconv run`'s, bit for bit, and the NCDHW run holds the same values reordered.
        let outputFiles = described.outputs.indices.map { directory + "/cli.\($0).npy" }
        let cli = try CLI.run(["run", model, TestPaths.golden(fixture + "/input.npy")] + outputFiles.flatMap { ["-o", $0] })
        #expect(cli.status == 0, "\(cli.stderr)")
        for (index, output) in described.outputs.enumerated() {
            let expected = try NPYFile.read(outputFiles[index])
            #expect(expected.shape == output.shape, "output \(output.name)")
            let fromC = try Self.floats(directory + "/out.\(index).bin")
            #expect(fromC.map(\.bitPattern) == expected.values.map(\.bitPattern), "output \(output.name) differs from pzconv run")
            let layout = try #require(DataLayout(output.layout))
            let canonical = try #require(layout.canonicalShape(fromSource: output.shape))
            let fromNCDHW = try Self.floats(directory + "/out.\(index).ncdhw.bin")
            #expect(fromNCDHW.map(\.bitPattern) == layout.toCanonical(fromC, canonicalShape: canonical).map(\.bitPattern),
                    "output \(output.name): the NCDHW run differs")
        }
    }

    /// pzconv_command runs import in-process, its HDF5 worker the pzconv
    /// executable next to the library: the same .pzir as the command line; a
    /// damaged file is status 2 with the command line's message.
    @Test func commandImportsLikeTheCommandLine() throws {
        let program = try Self.program.get()
        let directory = try TestPaths.makeTemporaryDirectory()
        let model = TestPaths.fixture("keras/unet3d_cf-k3/model.h5")
        let viaC = try CLI.run(URL(fileURLWithPath: program), ["--command", "import", model, "-o", directory + "/c.pzir"])
        #expect(viaC.status == 0, "\(viaC.stdout)")
        #expect(viaC.stdout.contains("→ \(directory)/c.pzir: 20 nodes"), "\(viaC.stdout)")
        #expect(try CLI.run(["import", model, "-o", directory + "/cli.pzir"]).status == 0)
        #expect(FileManager.default.contents(atPath: directory + "/c.pzir") == FileManager.default.contents(atPath: directory + "/cli.pzir"))

        try Data("not HDF5".utf8).write(to: URL(fileURLWithPath: directory + "/bad.h5"))
        let bad = try CLI.run(URL(fileURLWithPath: program), ["--command", "import", directory + "/bad.h5", "-o", directory + "/b.pzir"])
        let cli = try CLI.run(["import", directory + "/bad.h5", "-o", directory + "/b.pzir"])
        #expect(bad.status == 2 && cli.status == 1)
        #expect(bad.stdout == cli.stderr.replacingOccurrences(of: "Error: ", with: "error: "), "\(bad.stdout) | \(cli.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/b.pzir"))

        let missingWorker = try CLI.run(URL(fileURLWithPath: program), ["--command", "import", model, "-o", directory + "/w.pzir"],
                                        environment: ["PZCONV_EXECUTABLE": directory + "/none"])
        #expect(missingWorker.status == 2 && missingWorker.stdout.contains("PZCONV_EXECUTABLE"), "\(missingWorker.stdout)")

        let verify = try CLI.run(URL(fileURLWithPath: program), ["--command", "verify", directory + "/c.pzir", "--json"])
        #expect(verify.status == 0 && verify.stdout.contains("\"pass\" : \"identity-removal\""), "\(verify.stdout)")
    }

    /// pzconv_model_predict through C callbacks over a volume in memory: the
    /// output `pzconv predict` writes for the same volume, bit for bit, under
    /// each blend and with --channels; options about files refused.
    @Test(arguments: [["--blend", "gaussian"], ["--blend", "bump", "--overlap", "2,6,6", "--channels", "1,2"],
                      ["--blend", "crop", "--chunk", "3,7,9", "--threads", "1"]])
    func predictsLikeTheCommandLine(_ options: [String]) throws {
        let program = try Self.program.get()
        let directory = try TestPaths.makeTemporaryDirectory()
        let model = directory + "/net.pz"
        #expect(try CLI.run(["import", TestPaths.fixture("keras/unet3d_cf-k3/model.h5"), "-o", directory + "/net.pzir"]).status == 0)
        #expect(try CLI.run(["export", directory + "/net.pzir", "-o", model]).status == 0)
        let shape = [2, 10, 30, 25]  // not a multiple of the 4×12×12 patch
        var random = SeededRandom(seed: 5)
        let volume = random.floats(shape.reduce(1, *))
        try NPYFile.write(shape: shape, values: volume, to: directory + "/volume.npy")
        try Self.write(volume, to: directory + "/volume.bin")
        let cli = try CLI.run(["predict", model, directory + "/volume.npy", "-o", directory + "/cli.npy", "--channel-axis", "first"] + options)
        #expect(cli.status == 0, "\(cli.stderr)")
        let viaC = try CLI.run(URL(fileURLWithPath: program), ["--predict", model, directory + "/volume.bin"] + shape.map(String.init)
                               + [directory + "/c.bin"] + options)
        #expect(viaC.status == 0, "\(viaC.stdout)")
        #expect(viaC.stdout.contains("\"tiles\": "), "\(viaC.stdout)")
        let expected = try NPYFile.read(directory + "/cli.npy")
        #expect(try Self.floats(directory + "/c.bin").map(\.bitPattern) == expected.values.map(\.bitPattern))

        let refused = try CLI.run(URL(fileURLWithPath: program), ["--predict", model, directory + "/volume.bin"] + shape.map(String.init)
                                  + [directory + "/c.bin", "--shard", "0/2"])
        #expect(refused.status == 1 && refused.stdout.contains("--shard is for files"), "\(refused.stdout)")
    }

    struct Description {
        struct Tensor { var name: String; var layout: String; var shape: [Int] }
        var inputs: [Tensor] = []
        var outputs: [Tensor] = []
    }

    /// Runs api_check; with `dryRun` only for its description lines (it stops
    /// at the missing input file). Every check it makes must hold.
    static func runProgram(_ program: String, _ arguments: [String], in directory: String, dryRun: Bool) throws -> Description {
        let result = try CLI.run(URL(fileURLWithPath: program), arguments, in: directory)
        if !dryRun {
            #expect(result.status == 0, "api_check: \(result.stdout)\(result.stderr)")
            #expect(!result.stdout.contains("FAIL"), "\(result.stdout)")
        }
        var description = Description()
        for line in result.stdout.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            guard words.count == 4, words[0] == "input" || words[0] == "output" else { continue }
            let tensor = Description.Tensor(name: words[1], layout: words[2], shape: words[3].split(separator: "x").compactMap { Int($0) })
            if words[0] == "input" { description.inputs.append(tensor) } else { description.outputs.append(tensor) }
        }
        guard !description.inputs.isEmpty else { throw TestFailure("api_check described no inputs: \(result.stdout)") }
        return description
    }

    static func write(_ values: [Float], to path: String) throws {
        try values.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: path)) }
    }

    static func floats(_ path: String) throws -> [Float] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }
}
