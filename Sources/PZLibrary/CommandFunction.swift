import ArgumentParser
import PZCommands

// pzconv_command (include/pzconv.h): a model-file command run in-process.

@_cdecl("pzconv_command")
public func pzconv_command(_ arguments: UnsafePointer<UnsafePointer<CChar>?>?, _ count: Int,
                           _ report: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ error: ErrorOut) -> Int32 {
    report?.pointee = nil
    return reportingErrors(error) {
        guard count > 0, let arguments else { throw LibraryError.argument("no command: arguments is NULL or count is 0") }
        let words = try (0..<count).map { try string(arguments[$0], "arguments[\($0)]") }
        LibraryVersion.findWorker()
        let command: any ParsableCommand
        do {
            command = try PZConv.parseAsRoot(words)
        } catch {
            if PZConv.exitCode(for: error) == .success {  // --help, --version
                report?.pointee = cString(PZConv.fullMessage(for: error))
                return
            }
            throw LibraryError.argument(PZConv.message(for: error))
        }
        guard let reporting = command as? any ReportingCommand else {
            throw LibraryError.argument("pzconv_command runs import, optimize, verify, export and inspect; "
                                        + "'\(words[0])' is for the pzconv command line")
        }
        let result = try reporting.report()
        report?.pointee = cString(result.text)
        if !result.holds { throw LibraryError(status: .checkFailed, description: "a check did not hold (see the report)") }
    }
}
