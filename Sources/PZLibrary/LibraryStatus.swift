import ArgumentParser
import Foundation
import PZCommands

/// `pzconv_status` (include/pzconv.h).
enum LibraryStatus: Int32 {
    case ok = 0
    /// A bad argument from the caller: NULL, an index out of range, an unknown command.
    case argument = 1
    /// The operation failed (a bad file, a memory limit, …).
    case failed = 2
    /// verify / optimize ran, but a check did not hold.
    case checkFailed = 3
}

/// An error the library reports with a status other than `.failed`.
struct LibraryError: Error, CustomStringConvertible {
    let status: LibraryStatus
    let description: String

    static func argument(_ message: String) -> LibraryError { LibraryError(status: .argument, description: message) }
}

/// A copy of `text` in C memory (malloc), for the caller to free with
/// `pzconv_string_free`.
func cString(_ text: String) -> UnsafeMutablePointer<CChar> {
    strdup(text)!
}

/// Runs `body`, turning a thrown error into its status and one-line message
/// (stored in `error` when that is not NULL): the text the command line prints
/// after "Error: " for the same error.
func reportingErrors(_ error: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                     _ body: () throws -> Void) -> Int32 {
    error?.pointee = nil
    do {
        try body()
        return LibraryStatus.ok.rawValue
    } catch let failure as LibraryError {
        error?.pointee = cString(failure.description)
        return failure.status.rawValue
    } catch let failure {
        let message = PZConv.message(for: failure)
        error?.pointee = cString(message.isEmpty ? "\(failure)" : message)
        return LibraryStatus.failed.rawValue
    }
}

/// A C string argument that must not be NULL.
func string(_ pointer: UnsafePointer<CChar>?, _ name: String) throws -> String {
    guard let pointer else { throw LibraryError.argument("\(name) is NULL") }
    return String(cString: pointer)
}
