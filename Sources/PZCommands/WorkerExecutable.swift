import Foundation

/// The `pzconv` executable that runs the HDF5 worker when pzconv is a library
/// inside another process (Python): there `/proc/self/exe` is that process, so
/// the library names the command-line executable installed next to it. Nil in
/// the command line itself, which starts itself.
package enum WorkerExecutable {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var stored: String?

    package static var path: String? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
