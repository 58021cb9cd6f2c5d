import PZGraph
import PZPack

/// Depthwise convolution on the blocked layout: output channel c reads input
/// channel c only, so one vector of S channels is multiplied lane by lane by its
/// S per-channel weights of each tap (`WeightPacking.packDepthwise`: [block][tap][S]).
/// Per output row (n, block, d, h), taps whose input row lies outside the input
/// are dropped and each tap adds over the output positions it reaches inside the
/// input (padding costs no copy); rows are split among threads, and the row is
/// stored through the epilogue.
struct DepthwiseKernel: StepKernel, @unchecked Sendable {
    let spec: DepthwiseSpec

    func run(inputs: [UnsafePointer<Float>], outputs: [UnsafeMutablePointer<Float>], threads: Int) {
        let (store, result) = EpilogueStore.prepare(output: outputs[0], outputShape: spec.output, parameters: spec.parameters,
                                                    vectors: spec.vectors, base: inputs.count > 1 ? inputs[1] : nil,
                                                    threads: threads)
        let input = Shared(UnsafeMutablePointer(mutating: inputs[0]))
        let rows = spec.input.n * spec.output.blocks * result[0] * result[1]
        parallelRanges(rows, threads: threads) { range in
            if self.spec.input.lanes == 16 {
                self.rows(range, result: result, input: input.pointer, store: store, as: SIMD16<Float>.self)
            } else {
                self.rows(range, result: result, input: input.pointer, store: store, as: SIMD8<Float>.self)
            }
        }
    }

    private func rows<V: KernelVector>(_ range: Range<Int>, result: [Int], input: UnsafePointer<Float>, store: EpilogueStore,
                                       as _: V.Type) {
        let p = spec.parameters, x = spec.input, s = x.lanes
        let taps = p.kernel.reduce(1, *)
        let accumulators = UnsafeMutablePointer<V>.allocate(capacity: result[2])
        defer { accumulators.deallocate() }
        // Per W tap: the output positions whose input position lies inside the input.
        let reached = (0..<p.kernel[2]).map { k -> Range<Int> in
            let offset = k * p.dilation[2] - p.padBegin[2]
            let first = max(0, ceilDivide(-offset, p.stride[2]))
            let end = min(result[2], ceilDivide(x.w - offset, p.stride[2]))
            return first..<max(first, end)
        }
        for row in range {
            let oh = row % result[1]
            let od = (row / result[1]) % result[0]
            let block = (row / (result[1] * result[0])) % spec.output.blocks
            let n = row / (result[1] * result[0] * spec.output.blocks)
            accumulators.initialize(repeating: V(), count: result[2])
            let plane = input + n * x.batchStride + block * x.blockStride
            let weights = spec.weights + block * taps * s
            for i in 0..<p.kernel[0] {
                let id = od * p.stride[0] - p.padBegin[0] + i * p.dilation[0]
                guard id >= 0, id < x.d else { continue }
                for j in 0..<p.kernel[1] {
                    let ih = oh * p.stride[1] - p.padBegin[1] + j * p.dilation[1]
                    guard ih >= 0, ih < x.h else { continue }
                    let line = plane + id * x.planeStride + ih * x.rowStride
                    for k in 0..<p.kernel[2] {
                        let w = UnsafeRawPointer(weights + ((i * p.kernel[1] + j) * p.kernel[2] + k) * s).load(as: V.self)
                        let offset = k * p.dilation[2] - p.padBegin[2]
                        for ow in reached[k] {
                            let value = UnsafeRawPointer(line + (ow * p.stride[2] + offset) * s).load(as: V.self)
                            accumulators[ow] = accumulators[ow].addingProduct(value, w)
                        }
                    }
                }
            }
            store.store(UnsafeRawPointer(accumulators).assumingMemoryBound(to: Float.self), as: V.self, width: result[2],
                        blocks: 1, firstBlock: block, n: n, d: od, h: oh, w0: 0, step: 1)
        }
    }
}
