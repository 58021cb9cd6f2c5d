import Foundation
import PZCommands
import PZGraph

/// The version string, and where this library finds the `pzconv` executable
/// for its HDF5 worker process.
enum LibraryVersion {
    /// `pzconv_version()`'s text, in static storage.
    nonisolated(unsafe) static let text: UnsafePointer<CChar> = UnsafePointer(strdup(PZConvVersion.version)!)

    /// Names the HDF5 worker's executable: PZCONV_EXECUTABLE, else `pzconv`
    /// next to this library's file.
    static func findWorker() {
        guard WorkerExecutable.path == nil else { return }
        if let named = ProcessInfo.processInfo.environment["PZCONV_EXECUTABLE"], !named.isEmpty {
            WorkerExecutable.path = named
            return
        }
        guard let library = Self.libraryFile() else { return }
        WorkerExecutable.path = URL(fileURLWithPath: library).deletingLastPathComponent().appendingPathComponent("pzconv").path
    }

    /// The file this code was loaded from: the mapping of /proc/self/maps
    /// ("start-end perms offset device inode path") that holds this image.
    private static func libraryFile() -> String? {
        let address = UInt(bitPattern: #dsohandle)
        // /proc files report size 0: read to the end rather than by size.
        guard let data = FileHandle(forReadingAtPath: "/proc/self/maps")?.readDataToEndOfFile() else { return nil }
        let maps = String(decoding: data, as: UTF8.self)
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            let range = fields.first?.split(separator: "-").compactMap { UInt($0, radix: 16) } ?? []
            guard fields.count >= 6, range.count == 2, range[0] <= address, address < range[1] else { continue }
            return fields[5...].joined(separator: " ")
        }
        return nil
    }
}
