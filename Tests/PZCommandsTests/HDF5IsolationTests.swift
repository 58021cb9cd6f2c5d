import Foundation
@testable import PZCommands
import PZTestSupport
import Testing

/// libhdf5 reads users' files in a child process (`pzconv hdf5-worker`); how
/// its endings become one-line errors, and real libhdf5 crashes end to end.
@Suite struct HDF5IsolationTests {
    @Test func theWorkersOwnErrorIsPassedOnAndItsNotesPrinted() {
        let outcome = HDF5Isolation.Outcome(termination: .exited(1),
                                            standardError: "Error: w.h5: dataset /x has shape [2, 3]\n")
        #expect(HDF5Isolation.failureMessage(outcome, hdf5File: "w.h5") == "w.h5: dataset /x has shape [2, 3]")
    }

    @Test func aCrashNamesTheFileAndTheSignal() {
        let outcome = HDF5Isolation.Outcome(termination: .signal(SIGSEGV), standardError: "")
        let message = HDF5Isolation.failureMessage(outcome, hdf5File: "model.h5")
        #expect(message.hasPrefix("model.h5: libhdf5 crashed (signal \(SIGSEGV), SIGSEGV)"))
        #expect(message.hasSuffix("nothing was written"))
        #expect(!message.contains("\n"))
    }

    /// Under AddressSanitizer a crash is a report and exit status 1: still a crash.
    @Test func aSanitizerReportIsACrashNotAnError() {
        let report = """
            =================================================================
            ==123==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x6020 at pc 0x1
            SUMMARY: AddressSanitizer: heap-buffer-overflow in H5O_attr_decode
            Error: unreachable
            """
        let message = HDF5Isolation.failureMessage(.init(termination: .exited(1), standardError: report),
                                                   hdf5File: "m.h5")
        #expect(message.hasPrefix("m.h5: libhdf5 failed (exit status 1: ==123==ERROR: AddressSanitizer: heap-buffer-overflow"))
    }

    /// Files on which Debian's libhdf5 1.10.8 fails inside its own decoders, found
    /// by fuzzing the Keras importer (LibHDF5Crashes/README.md): `import` refuses
    /// each with one line naming the file, exit status 1, and writes nothing; at
    /// least one of them really kills the worker. (`--max-memory 1G` bounds the
    /// worker's address space: one file makes libhdf5 allocate 12 GiB.)
    @Test func filesThatCrashLibHDF5AreRefusedWithOneLine() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("LibHDF5Crashes")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".h5") }.sorted()
        #expect(!files.isEmpty)
        let directory = try TestPaths.makeTemporaryDirectory()
        var crashes = 0
        for file in files {
            let path = folder.appendingPathComponent(file).path
            let output = directory + "/\(file).pzir"
            let result = try CLI.run(["import", path, "-o", output, "--max-memory", "1G"])
            #expect(result.status == 1, "\(file): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(file): \(result.stderr)")
            #expect(result.stderr.contains(path), "\(file): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output), "\(output) was written")
            if result.stderr.contains("libhdf5 crashed") || result.stderr.contains("libhdf5 failed") { crashes += 1 }
        }
        #expect(crashes > 0, "none of LibHDF5Crashes/ crashed libhdf5 (a fixed libhdf5? then refresh the folder)")
    }
}
