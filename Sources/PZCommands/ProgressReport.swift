import Foundation

/// Progress of a long run on standard error: a bar redrawn in place when
/// standard error is a terminal (at most 5 times a second), otherwise a line
/// every `lineInterval` seconds; both give tiles done, voxels/s and the time left.
final class ProgressReport {
    private let start = Date()
    private var last = Date.distantPast
    private let terminal = isatty(STDERR_FILENO) == 1
    private let voxelsPerTile: Int
    private let lineInterval: TimeInterval

    init(voxelsPerTile: Int, lineInterval: TimeInterval = 5) {
        self.voxelsPerTile = voxelsPerTile
        self.lineInterval = lineInterval
    }

    func update(done: Int, total: Int) {
        let now = Date()
        let finished = done == total
        guard finished || now.timeIntervalSince(last) >= (terminal ? 0.2 : lineInterval) else { return }
        last = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done * voxelsPerTile) / elapsed : 0
        let left = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let text = "\(done)/\(total) tiles, \(String(format: "%.3g", rate)) voxels/s, "
            + (finished ? "done in \(Self.clock(elapsed))" : "\(Self.clock(left)) left")
        if terminal {
            let width = 30
            let filled = total > 0 ? width * done / total : width
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[K[\(bar)] \(text)\(finished ? "\n" : "")".utf8))
        } else {
            printToStandardError("predict: " + text)
        }
    }

    /// 1:02:03 or 2:03.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (hours, minutes, rest) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }
}
