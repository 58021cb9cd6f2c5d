import Foundation
import PZTestSupport
import Testing

/// A full disk while predict writes: a 64 KiB tmpfs (mounted for the test, so
/// it needs root) fills up part-way through the output.
@Suite(.enabled(if: SmallFileSystem.canMount, "needs root to mount a small tmpfs (mount -t tmpfs -o size=64k)"))
struct DiskFullTests {
    let volumes = PredictCommandTests()

    /// One line naming the chunk and the cause, exit 1, no temporary file left,
    /// every chunk that is there complete; with room made, the same command
    /// finishes the output byte-identical to a run that never ran out.
    @Test func fullDiskIsOneLineAndTheRerunFinishes() throws {
        let directory = try TestPaths.makeTemporaryDirectory()
        let model = try volumes.net([6, 16, 16], in: directory, name: "tile")
        let (raw, _) = try volumes.volume(in: directory)
        let options = ["--chunk", "4,16,16"]
        let reference = try CLI.run(["predict", model, raw, "-o", directory + "/reference.zarr"] + options)
        #expect(reference.status == 0, "\(reference.stderr)")

        let mountPoint = directory + "/small"
        try SmallFileSystem.mount(mountPoint, size: "64k")
        defer { SmallFileSystem.unmount(mountPoint) }
        let output = mountPoint + "/out.zarr"
        let full = try CLI.run(["predict", model, raw, "-o", output] + options)
        #expect(full.status == 1)
        let error = full.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(error.hasPrefix("Error: ") && error.contains(output + "/0.") && error.contains("No space left on device")
                && error.contains("nothing of it was kept"), "\(error)")
        let left = try FileManager.default.contentsOfDirectory(atPath: output)
        #expect(!left.contains { $0.contains(".tmp-") }, "\(left)")
        let expected = try volumes.files(directory + "/reference.zarr")
        let written = try volumes.files(output)
        #expect(written.count < expected.count, "the disk did not fill: \(written.count) files")
        for (name, bytes) in written { #expect(expected[name] == bytes, "\(name) differs from the reference") }

        try SmallFileSystem.remount(mountPoint, size: "8m")
        let again = try CLI.run(["predict", model, raw, "-o", output] + options)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try volumes.files(output) == expected)
    }
}

/// Mounting a small tmpfs for a test (root only).
enum SmallFileSystem {
    static var canMount: Bool {
        guard getuid() == 0, let probe = try? TestPaths.makeTemporaryDirectory() else { return false }
        guard (try? mount(probe, size: "16k")) != nil else { return false }
        unmount(probe)
        return true
    }

    static func mount(_ path: String, size: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let result = try CLI.tool("mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path])
        guard result.status == 0 else { throw TestFailure("mount \(path): \(result.stderr)") }
    }

    static func remount(_ path: String, size: String) throws {
        let result = try CLI.tool("mount", ["-o", "remount,size=\(size)", path])
        guard result.status == 0 else { throw TestFailure("remount \(path): \(result.stderr)") }
    }

    static func unmount(_ path: String) {
        _ = try? CLI.tool("umount", [path])
    }
}
