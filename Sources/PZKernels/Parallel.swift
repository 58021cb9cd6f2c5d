import Dispatch

/// A pointer shared with worker threads; each thread writes a disjoint part.
struct Shared<Pointee>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Pointee>

    init(_ pointer: UnsafeMutablePointer<Pointee>) { self.pointer = pointer }
}

/// Runs `body(range)` over contiguous ranges that split `0..<count` among
/// `threads` workers (one range each). Contiguous ranges keep each thread on
/// neighbouring rows of the same tensors.
func parallelRanges(_ count: Int, threads: Int, _ body: @escaping @Sendable (Range<Int>) -> Void) {
    let workers = max(1, min(threads, count))
    if workers == 1 {
        body(0..<count)
        return
    }
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
        let start = count * worker / workers
        let end = count * (worker + 1) / workers
        if start < end { body(start..<end) }
    }
}
