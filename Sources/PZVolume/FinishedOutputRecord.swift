import Foundation
import PZGraph

/// What a finished single-file output (`.npy`, `.nii`, `.nii.gz`) keeps of the
/// run that made it, in `OUTPUT.pzconv` beside it, so the same command run
/// again finds the work done (as a Zarr or HDF5 output records it inside):
/// the run's identity, the SHA-256 of the header it wrote (its shape, type and
/// placement), and the file's size and modification time when it was finished.
/// An output changed, replaced or moved since no longer matches, and is
/// refused as before.
struct FinishedOutputRecord: Equatable {
    let identity: String
    let headerDigest: String
    let size: Int
    let modified: String

    /// The record of `file` as it is now; nil when it cannot be read.
    init?(identity: String, header: [UInt8], file: String) {
        var status = stat()
        guard stat(file, &status) == 0 else { return nil }
        self.identity = identity
        headerDigest = SHA256.hexDigest(header)
        size = Int(status.st_size)
        modified = "\(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)"
    }

    private init(identity: String, headerDigest: String, size: Int, modified: String) {
        self.identity = identity
        self.headerDigest = headerDigest
        self.size = size
        self.modified = modified
    }

    /// `OUTPUT.pzconv`.
    static func path(for output: String) -> String { output + ".pzconv" }

    /// The record stored for `output`; nil when there is none or it is damaged.
    static func stored(for output: String) -> FinishedOutputRecord? {
        guard let text = try? String(contentsOfFile: path(for: output), encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 4, lines[1].hasPrefix("header sha256 "), lines[2].hasPrefix("size "),
              lines[3].hasPrefix("modified "), let size = Int(lines[2].dropFirst("size ".count)) else { return nil }
        return FinishedOutputRecord(identity: lines[0], headerDigest: String(lines[1].dropFirst("header sha256 ".count)),
                                    size: size, modified: String(lines[3].dropFirst("modified ".count)))
    }

    /// Stores this record for `output` (atomically).
    func store(for output: String) throws {
        let text = "\(identity)\nheader sha256 \(headerDigest)\nsize \(size)\nmodified \(modified)\n"
        do {
            try AtomicFile.write(Array(text.utf8), to: Self.path(for: output))
        } catch {
            throw VolumeError(Self.path(for: output), "cannot record the finished output (\(error))")
        }
    }
}
