import ArgumentParser
import Foundation
import PZGraph
import PZPack
import PZPasses
import PZRuntime

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the fast executor: median and min latency, GFLOP/s, peak memory (pzconv bench net.pz).",
        discussion: """
        The PZnet paper's protocol by default: 10 untimed runs, then 60 timed runs on a seeded random \
        patch. GFLOP/s counts 2 FLOPs per multiply-add of the (de)convolutions and one per element of \
        the other layers (see pzconv inspect), over the median time. With --peak (no model), times the \
        FMA micro-kernel instead: the machine's peak as our own code reaches it, on 1 and on N threads.

        Examples:
          pzconv bench net.pz
          pzconv bench net.pz --warmup 10 --iterations 60 --threads 2 --layers
          pzconv bench net.pz --json
          pzconv bench --peak --threads 2
        """
    )

    @Argument(help: "The .pz model to time.")
    var model: String?

    @Flag(help: "Time the FMA micro-kernel (machine peak) instead of a model.")
    var peak = false

    @Flag(help: "Time every register tile of the kernels (S, output blocks, width) on one thread, instead of a model.")
    var tiles = false

    @Option(help: "Untimed runs before timing.")
    var warmup = 10

    @Option(help: "Timed runs.")
    var iterations = 60

    @OptionGroup var executorOptions: ExecutorOptions
    @OptionGroup var memoryOptions: MemoryOptions

    @Flag(help: "Also print the time of each layer.")
    var layers = false

    @Flag(help: "Print the results as JSON.")
    var json = false

    func run() throws {
        guard warmup >= 0, iterations >= 1 else { throw CommandError("--warmup must be ≥ 0 and --iterations ≥ 1") }
        let threadCount = executorOptions.threadCount
        let isa = try executorOptions.instructionSet()
        if peak || tiles {
            guard model == nil else { throw CommandError("--\(peak ? "peak" : "tiles") times the machine, not a model: drop \(model!)") }
            return peak ? try printPeak(isa: isa, threads: threadCount) : printTiles(isa: isa)
        }
        guard let model else { throw CommandError("give a .pz model to time (or --peak)") }
        let packed = try ModelFile.loadPacked(model, instructionSet: isa, memoryLimit: memoryOptions.limit)
        let executor = FastExecutor(model: packed, threads: threadCount)
        let inputs = VerificationPatch.random(for: packed.graph, count: 1, seed: 1)[0].inputs
        for _ in 0..<warmup { _ = try executor.run(inputs: inputs) }
        var times: [Double] = []
        var stepTotals = [Double](repeating: 0, count: executor.stepNames.count)
        for _ in 0..<iterations {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try executor.run(inputs: inputs, timing: layers)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            if layers { for (index, seconds) in executor.stepSeconds.enumerated() { stepTotals[index] += seconds } }
        }
        let sorted = times.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        let flops = packed.graph.statistics(shapes: packed.shapes).map(\.flops).saturatingSum
        let result = BenchResult(model: model, isa: packed.plan.isa.rawValue, threads: executor.threads, lanes: packed.plan.lanes,
                                 warmup: warmup,
                                 iterations: iterations, medianSeconds: median, minSeconds: sorted[0],
                                 gflops: Double(flops) / median / 1e9, flops: flops,
                                 activationBytes: packed.activationBytes, peakResidentBytes: PeakMemory.residentBytes(),
                                 layers: layers ? executor.stepNames.indices.map {
                                     BenchResult.Layer(name: executor.stepNames[$0], kernel: executor.stepKernels[$0].rawValue,
                                                       seconds: stepTotals[$0] / Double(iterations), flops: executor.stepFlops[$0])
                                 } : nil)
        print(json ? try result.json() : result.text())
    }
}

extension BenchCommand {
    private func printPeak(isa: InstructionSet, threads: Int) throws {
        let lanes = isa == .avx512 ? 16 : 8
        let figures = PeakFigures(isa: isa.rawValue, lanes: lanes, oneThread: MachinePeak.measure(isa, threads: 1) / 1e9,
                                  threads: threads, allThreads: MachinePeak.measure(isa, threads: threads) / 1e9)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(figures), as: UTF8.self))
        } else {
            print(String(format: "FMA peak (%@ kernels, S = %d lanes, median of 5): %.1f GFLOP/s on 1 thread, %.1f GFLOP/s on %d threads",
                         isa.displayName, lanes, figures.oneThread, figures.allThreads, threads))
        }
    }
}

extension BenchCommand {
    /// Every tile width up to twice the build's widest, per (S, output blocks,
    /// half), as GFLOP/s and a share of the 1-thread FMA peak; `*` marks the
    /// widths the build uses.
    private func printTiles(isa: InstructionSet) {
        let peak = MachinePeak.measure(isa, threads: 1) / 1e9
        print(String(format: "%@ kernels, 1 thread, FMA peak %.1f GFLOP/s (S = %d); * = widths this build uses", isa.displayName,
                     peak, isa == .avx512 ? 16 : 8))
        let table = TextTable(columns: ["S", "blocks", "width", "GFLOP/s", "of peak", ""])
        for (lanes, half) in [(8, false), (16, false), (16, true)] {
            for blocks in 1...4 {
                let used = MachinePeak.maximumTileWidth(isa, lanes: lanes, blocks: blocks, halfLast: half)
                for width in 1...min(16, 2 * used + 2) {
                    guard let flops = MachinePeak.tile(isa, lanes: lanes, blocks: blocks, width: width, halfLast: half) else { continue }
                    table.add(["\(lanes)", "\(blocks)\(half ? " (half)" : "")", "\(width)", String(format: "%.1f", flops / 1e9),
                               String(format: "%.0f%%", flops / 1e9 / peak * 100), width <= used ? "*" : ""])
                }
            }
        }
        table.render().forEach { print($0) }
    }
}

/// What `bench --peak` measured, in GFLOP/s.
struct PeakFigures: Encodable {
    /// The instruction set of the kernel build that ran (avx2, avx512).
    var isa: String
    var lanes: Int
    var oneThread: Double
    var threads: Int
    var allThreads: Double

    enum CodingKeys: String, CodingKey {
        case isa, lanes, oneThread = "one_thread_gflops", threads, allThreads = "all_threads_gflops"
    }
}

/// What `bench` measured.
struct BenchResult: Encodable {
    struct Layer: Encodable {
        var name: String
        var kernel: String
        var seconds: Double
        var flops: Int
    }

    var model: String
    var isa: String
    var threads: Int
    var lanes: Int
    var warmup: Int
    var iterations: Int
    var medianSeconds: Double
    var minSeconds: Double
    var gflops: Double
    var flops: Int
    var activationBytes: Int
    var peakResidentBytes: Int
    var layers: [Layer]?

    enum CodingKeys: String, CodingKey {
        case model, isa, threads, lanes, warmup, iterations, medianSeconds = "median_seconds", minSeconds = "min_seconds", gflops
        case flops, activationBytes = "activation_bytes", peakResidentBytes = "peak_resident_bytes", layers
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    func text() -> String {
        var lines = [String(format: "%@: %@ kernels, %d threads, S = %d, %d warm-up + %d timed runs", model, isa, threads, lanes,
                            warmup, iterations),
                     String(format: "median %.4f s, min %.4f s, %.1f GFLOP/s (%.2f GFLOP per run)", medianSeconds, minSeconds,
                            gflops, Double(flops) / 1e9),
                     "activation memory \(formatBytes(activationBytes)) (plan), peak resident \(formatBytes(peakResidentBytes))"]
        if let layers {
            let table = TextTable(columns: ["layer", "kernel", "ms", "GFLOP/s", "share"])
            let total = layers.reduce(0) { $0 + $1.seconds }
            for layer in layers {
                table.add([layer.name, layer.kernel, String(format: "%.3f", layer.seconds * 1000),
                           layer.flops > 0 ? String(format: "%.1f", Double(layer.flops) / layer.seconds / 1e9) : "-",
                           String(format: "%.1f%%", layer.seconds / total * 100)])
            }
            lines += table.render()
        }
        return lines.joined(separator: "\n")
    }
}

/// The process's peak resident memory (getrusage).
enum PeakMemory {
    static func residentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }
}
