import Dispatch

/// The machine's FMA peak as our own code reaches it: a micro-kernel of 12
/// independent chains of S-lane fused multiply-adds (`a = a·m + c`, converging to c / (1 − m), accumulators
/// in registers, no memory traffic), compiled with the kernels' flags. Twelve
/// chains cover the FMA latency (4 cycles) on two pipes; each FMA counts 2·S FLOPs.
/// `bench --peak` reports it, and the benchmarks state convolution speed as a
/// share of it.
public enum PeakThroughput {
    /// FLOP/s over `threads` threads, each running `rounds` rounds of the chains;
    /// the median of `repeats` timed runs after one untimed run.
    public static func measure(threads: Int, lanes: Int = 16, rounds: Int = 20_000_000, repeats: Int = 5) -> Double {
        func once() -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            DispatchQueue.concurrentPerform(iterations: max(1, threads)) { worker in
                let sink = lanes == 16 ? chains(rounds, seed: Float(worker), as: SIMD16<Float>.self)
                    : chains(rounds, seed: Float(worker), as: SIMD8<Float>.self)
                // Keeps the chains alive; never true for the seeds used.
                if sink == .infinity { print("unexpected overflow in the FMA micro-kernel") }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            return Double(max(1, threads) * rounds * 12 * lanes * 2) / seconds
        }
        _ = once()
        let runs = (0..<repeats).map { _ in once() }.sorted()
        return runs[runs.count / 2]
    }

    @inline(never)
    private static func chains<V: KernelVector>(_ rounds: Int, seed: Float, as _: V.Type) -> Float {
        let m = V(repeating: 0.999_999), c = V(repeating: 1e-7)
        var a0 = V(repeating: seed), a1 = V(repeating: seed + 1), a2 = V(repeating: seed + 2), a3 = V(repeating: seed + 3)
        var a4 = V(repeating: seed + 4), a5 = V(repeating: seed + 5), a6 = V(repeating: seed + 6), a7 = V(repeating: seed + 7)
        var a8 = V(repeating: seed + 8), a9 = V(repeating: seed + 9), a10 = V(repeating: seed + 10), a11 = V(repeating: seed + 11)
        for _ in 0..<rounds {
            a0 = c.addingProduct(a0, m)
            a1 = c.addingProduct(a1, m)
            a2 = c.addingProduct(a2, m)
            a3 = c.addingProduct(a3, m)
            a4 = c.addingProduct(a4, m)
            a5 = c.addingProduct(a5, m)
            a6 = c.addingProduct(a6, m)
            a7 = c.addingProduct(a7, m)
            a8 = c.addingProduct(a8, m)
            a9 = c.addingProduct(a9, m)
            a10 = c.addingProduct(a10, m)
            a11 = c.addingProduct(a11, m)
        }
        let total = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11))
        return total.sum()
    }
}
