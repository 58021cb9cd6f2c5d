import Foundation

/// Reads tiles' inputs one ahead on a background thread, so that reading (and
/// decompressing) the next tile overlaps with running the model on this one.
/// `take()` returns the inputs in order; only the background thread calls the
/// reader, one read at a time.
final class ReadAhead: @unchecked Sendable {
    private let reader: VolumeReader
    private let padding: VolumePadding
    private let boxes: [VolumeBox]
    private let queue = DispatchQueue(label: "pzconv.read-ahead")
    private var next = 0
    private var inFlight: (done: DispatchSemaphore, result: ResultBox)?
    /// Seconds `take()` waited for a read to finish.
    private(set) var waitSeconds = 0.0

    private final class ResultBox: @unchecked Sendable {
        var result: Result<[Float], Error> = .success([])
    }

    init(reader: VolumeReader, padding: VolumePadding, boxes: [VolumeBox]) {
        self.reader = reader
        self.padding = padding
        self.boxes = boxes
    }

    /// The next tile's input (and the read of the one after it started).
    func take() throws -> [Float] {
        if inFlight == nil { start(next) }
        guard let (done, box) = inFlight else { preconditionFailure("no read in flight") }
        let waitStart = Date()
        done.wait()
        waitSeconds += Date().timeIntervalSince(waitStart)
        inFlight = nil
        next += 1
        if next < boxes.count { start(next) }
        return try box.result.get()
    }

    private func start(_ index: Int) {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox()
        inFlight = (done, box)
        queue.async { [self] in
            box.result = Result { try reader.read(boxes[index], padding: padding) }
            done.signal()
        }
    }

    /// Waits for a read still in flight (the run stopped early).
    func drain() {
        inFlight?.done.wait()
        inFlight = nil
    }
}
