import Dispatch
import Foundation

/// The output channels of a reference (de)convolution are independent sums: each
/// is computed by one thread, in the same order a single thread would use, so the
/// results are bit-identical whatever the number of threads. Threads only make
/// verification of large nets (V-Net's reduced patch is ~100 GFLOP) bearable.
enum OutputChannels {
    /// Calls `body(f)` once for every f in `0..<count`, spread over the cores.
    static func forEach(_ count: Int, _ body: (Int) -> Void) {
        let workers = max(1, min(count, ProcessInfo.processInfo.activeProcessorCount))
        withoutActuallyEscaping(body) { body in
            let shared = SharedBody(body: body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                for f in stride(from: worker, to: count, by: workers) { shared.body(f) }
            }
        }
    }
}

/// A body that writes disjoint parts of its outputs from several threads.
private struct SharedBody: @unchecked Sendable {
    let body: (Int) -> Void
}
