import Foundation

/// Paths tests need: the package root (for Fixtures/ and Golden/) and scratch
/// directories.
public enum TestPaths {
    /// The package root, found from this file's location.
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    public static func fixture(_ relativePath: String) -> String {
        packageRoot.appendingPathComponent("Fixtures").appendingPathComponent(relativePath).path
    }

    public static func golden(_ relativePath: String) -> String {
        packageRoot.appendingPathComponent("Golden").appendingPathComponent(relativePath).path
    }

    /// A new empty directory under the system temporary directory.
    public static func makeTemporaryDirectory(_ label: String = "pzconv-test") throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
