import Foundation
import PZGraph
import PZPatchIO

/// Runs libhdf5 on a user's file in a child process.
///
/// Debian's libhdf5 (1.10) crashes inside its own decoders on some damaged files:
/// fuzzing found out-of-bounds reads, use-after-free and SEGVs in attribute and
/// object-header decoding that no check of ours can see coming. So every command
/// that reads an HDF5 file a user gave it starts `pzconv hdf5-worker …` (the same
/// executable), which reads the file and writes what it read in a format pzconv
/// parses with checked code of its own (`.pzir`, `.npy`) to a private temporary
/// directory. A crash of the child becomes a one-line error naming the file;
/// an error of the child is passed on as it was. Writing HDF5 (our own data) stays
/// in-process.
enum HDF5Isolation {
    /// Runs `pzconv hdf5-worker <arguments…> --result <temporary file named resultName>`,
    /// then `read`s that result. `hdf5File` names the file libhdf5 reads, for the
    /// error when the child crashes.
    static func run<Result>(_ arguments: [String], resultName: String, hdf5File: String,
                            read: (String) throws -> Result) throws -> Result {
        let directory = try makePrivateDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let resultPath = directory + "/" + resultName
        let outcome = try runWorker(["hdf5-worker"] + arguments + ["--result", resultPath])
        guard case .exited(0) = outcome.termination else {
            throw CommandError(failureMessage(outcome, hdf5File: hdf5File))
        }
        return try read(resultPath)
    }

    /// Reads one HDF5 dataset as float32 in the worker, within `memoryLimit`.
    static func readDataset(path: String, dataset: String, memoryLimit: MemoryLimit) throws -> (shape: [Int], values: [Float]) {
        try run(["dataset", path, dataset] + MemoryOptions.arguments(memoryLimit), resultName: "dataset.npy",
                hdf5File: path) { try NPYFile.read($0) }
    }

    /// How the child ended, and what it wrote on standard error.
    struct Outcome {
        enum Termination: Equatable {
            case exited(Int32)
            case signal(Int32)
        }

        var termination: Termination
        var standardError: String

        init(termination: Termination, standardError: String) {
            self.termination = termination
            self.standardError = standardError
        }

        /// How `process` (waited for) ended, and what it wrote on standard error.
        init(_ process: Process, standardError: Data) {
            termination = process.terminationReason == .uncaughtSignal
                ? .signal(process.terminationStatus) : .exited(process.terminationStatus)
            self.standardError = String(decoding: standardError, as: UTF8.self)
        }
    }

    /// The one-line error for a child that did not succeed: its own error line
    /// when it stopped with one (anything it noted before goes to standard
    /// error first), else what stopped it.
    static func failureMessage(_ outcome: Outcome, hdf5File: String) -> String {
        let lines = outcome.standardError.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        if case .exited(1) = outcome.termination, let last = lines.last, last.hasPrefix("Error: "),
           !lines.contains(where: { $0.contains("Sanitizer") }) {
            for note in lines.dropLast() { printToStandardError(note) }
            return String(last.dropFirst("Error: ".count))
        }
        let cause: String
        switch outcome.termination {
        case .signal(let number): cause = "crashed (signal \(number)\(signalName(number).map { ", " + $0 } ?? ""))"
        case .exited(let status):
            let report = lines.first { $0.contains("ERROR: AddressSanitizer") || $0.contains("ERROR: LeakSanitizer") }
            cause = "failed (exit status \(status)\(report.map { ": " + $0.trimmingCharacters(in: .whitespaces) } ?? ""))"
        }
        return "\(hdf5File): libhdf5 \(cause) while reading this file in pzconv's HDF5 worker process: "
            + "the file is damaged or not an HDF5 file pzconv can read; nothing was written"
    }

    private static func signalName(_ number: Int32) -> String? {
        [SIGSEGV: "SIGSEGV", SIGBUS: "SIGBUS", SIGABRT: "SIGABRT", SIGILL: "SIGILL", SIGFPE: "SIGFPE",
         SIGKILL: "SIGKILL, perhaps out of memory"][number]
    }

    /// This executable (the worker is a hidden subcommand of it), or in the C
    /// library the `pzconv` executable it names (`WorkerExecutable`).
    static func executablePath() throws -> String {
        if let named = WorkerExecutable.path {
            guard FileManager.default.isExecutableFile(atPath: named) else {
                throw CommandError("cannot start pzconv's HDF5 worker process: \(named) is not an executable "
                                   + "(install the pzconv command next to libpzconv.so, or name it in PZCONV_EXECUTABLE)")
            }
            return named
        }
        do {
            return try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        } catch {
            throw CommandError("cannot start pzconv's HDF5 worker process: /proc/self/exe is unreadable (\(error))")
        }
    }

    private static func makePrivateDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pzconv-hdf5-\(UUID().uuidString)").path
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw CommandError("\(path): cannot create a temporary directory for pzconv's HDF5 worker (\(error))")
        }
        return path
    }

    private static func runWorker(_ arguments: [String]) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executablePath())
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw CommandError("cannot start pzconv's HDF5 worker process (\(error))")
        }
        let standardError = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(process, standardError: standardError)
    }
}
