import PZGraph
import PZPack

/// Convolution by Winograd's minimal filtering in the H×W plane (Lavin & Gray
/// 2016), with α = 4 transform points (0, 1, −1, ∞) in both variants:
/// F(2×2, 3×3) for Kd×3×3 kernels (16 products per 2×2 outputs instead of 36)
/// and F(3×3, 2×2) for Kd×2×2 kernels (16 per 3×3 outputs instead of 36: the
/// phases of a kernel-4 stride-2 transposed convolution), unit stride and
/// dilation in H and W, any depth, D stride and D dilation, one group
/// (`ConvolutionParameters.winogradVariant`). The D-taps are summed directly.
///
/// Per output tile row (n, od, th) — a thread takes runs of consecutive od — it
/// 1. transforms the 4 input rows each D-tap reads, all channel blocks at once
///    (S channels per vector): V[ξ] = Bᵀ d B, ξ = 4 × 4 transform positions,
///    laid out [ξ][ring slot][block][tile][S] (see `WinogradLayout`); a plane
///    already transformed for the previous od stays in its ring slot;
/// 2. for each output chunk and each ξ, runs the generated convolution tiles over
///    consecutive tiles with the D-taps as taps: M[ξ] = Σ V[ξ] · U[ξ], where U is
///    the packed transformed kernel G g Gᵀ (WeightPacking.winograd);
/// 3. transforms back (Y = Aᵀ M A, m × m outputs per tile) and stores the m
///    output rows through the epilogue (bias, base, activation, padded output).
///
/// Like the direct kernel it computes `spec.extent` positions per axis and
/// stores position u at `first + u·step` of the result (a transposed
/// convolution's phase); padding may be negative there. Tiles inside the input
/// read it directly; border tiles read zeros for the padding; tiles past an
/// extent not divisible by m are computed and not stored. Rounding differs from
/// direct summation by a few ulp of the largest partial sums (the transforms
/// only add, subtract and halve).
struct WinogradKernel: StepKernel, @unchecked Sendable {
    /// The convolution or phase; chunk weights are U.
    let spec: ConvolutionSpec
    let variant: WinogradVariant

    var parameters: ConvolutionParameters { spec.parameters }
    var inputShape: BlockedShape { spec.input }
    var chunks: [ConvolutionSpec.Chunk] { spec.chunks }

    func run(inputs: [UnsafePointer<Float>], outputs: [UnsafeMutablePointer<Float>], threads: Int) {
        let (store, _) = EpilogueStore.prepare(output: outputs[0], outputShape: spec.output, parameters: parameters,
                                               vectors: spec.vectors, base: inputs.count > 1 ? inputs[1] : nil, threads: threads)
        run(input: inputs[0], store: store, threads: threads)
    }

    /// Computes the positions and stores them (the output's border is prepared).
    func run(input: UnsafePointer<Float>, store: EpilogueStore, threads: Int) {
        let layout = WinogradLayout(inputShape: inputShape, parameters: parameters, extent: spec.extent, m: variant.m)
        // Work units: (n, tile row, run of output planes). Within a run, consecutive
        // output planes share transformed input planes; runs are split only as far
        // as needed for every thread to get several units.
        let rows = inputShape.n * layout.tileRows
        let runs = min(spec.extent[0], max(1, (4 * threads + rows - 1) / rows))
        let sharedInput = Shared(UnsafeMutablePointer(mutating: input))
        parallelRanges(rows * runs, threads: threads) { range in
            switch (self.inputShape.lanes, self.variant) {
            case (16, .f2x2k3x3):
                self.units(range, runs: runs, layout: layout, input: sharedInput.pointer, store: store, as: SIMD16<Float>.self,
                           F2x2K3x3.self)
            case (16, .f3x3k2x2):
                self.units(range, runs: runs, layout: layout, input: sharedInput.pointer, store: store, as: SIMD16<Float>.self,
                           F3x3K2x2.self)
            case (_, .f2x2k3x3):
                self.units(range, runs: runs, layout: layout, input: sharedInput.pointer, store: store, as: SIMD8<Float>.self,
                           F2x2K3x3.self)
            case (_, .f3x3k2x2):
                self.units(range, runs: runs, layout: layout, input: sharedInput.pointer, store: store, as: SIMD8<Float>.self,
                           F3x3K2x2.self)
            }
        }
    }

    private func units<V: KernelVector, T: WinogradTransform>(_ range: Range<Int>, runs: Int, layout: WinogradLayout,
                                                              input: UnsafePointer<Float>, store: EpilogueStore, as _: V.Type,
                                                              _: T.Type) {
        let p = parameters
        let s = inputShape.lanes
        let m = T.m
        let (first, step) = (spec.first, spec.step)
        let scratch = WinogradScratch(layout: layout)
        defer { scratch.deallocate() }
        for unit in range {
            let run = unit % runs
            let th = (unit / runs) % layout.tileRows
            let n = unit / (runs * layout.tileRows)
            // Which input plane each ring slot holds (none yet).
            for slot in 0..<layout.ringSlots { scratch.slotPlanes[slot] = -1 }
            let planes = layout.extent[0] * run / runs..<layout.extent[0] * (run + 1) / runs
            for od in planes {
                // The D-taps whose input plane exists; each plane is transformed once
                // per unit, into the ring slot `plane mod ringSlots`.
                var count = 0
                for i in 0..<p.kernel[0] {
                    let id = od * p.stride[0] - p.padBegin[0] + i * p.dilation[0]
                    guard id >= 0, id < inputShape.d else { continue }
                    let slot = id % layout.ringSlots
                    if scratch.slotPlanes[slot] != id {
                        let plane = input + n * inputShape.batchStride + id * inputShape.planeStride
                        transformInput(plane, tileRow: th, slot: slot, layout: layout, scratch: scratch, as: V.self, T.self)
                        scratch.slotPlanes[slot] = id
                    }
                    scratch.taps[count] = slot * layout.slotStride
                    scratch.tapIndices[count] = i
                    count += 1
                }
                for chunk in chunks {
                    multiply(chunk, tapCount: count, layout: layout, scratch: scratch)
                    transformOutput(chunk, layout: layout, scratch: scratch, as: V.self, T.self)
                    for r in 0..<m where m * th + r < layout.extent[1] {
                        store.store(scratch.outputRows + r * layout.tileColumns * m * chunk.blocks * s, as: V.self,
                                    width: layout.extent[2], blocks: chunk.blocks, firstBlock: chunk.firstBlock,
                                    n: n, d: first[0] + od * step[0], h: first[1] + (m * th + r) * step[1], w0: first[2],
                                    step: step[2])
                    }
                }
            }
        }
    }

    /// V = Bᵀ d B for every tile of tile row `th` of one input plane, into `slot`.
    private func transformInput<V: KernelVector, T: WinogradTransform>(_ plane: UnsafePointer<Float>, tileRow th: Int,
                                                                       slot: Int, layout: WinogradLayout,
                                                                       scratch: WinogradScratch, as _: V.Type, _: T.Type) {
        let s = inputShape.lanes
        let m = T.m
        let (padTop, padLeft) = (parameters.padBegin[1], parameters.padBegin[2])
        let width = inputShape.w
        // Tiles whose 4 input columns all lie inside the input.
        let interior = max(0, ceilDivide(padLeft, m))..<max(0, min(layout.tileColumns, floorDivide(width - 4 + padLeft, m) + 1))
        for block in 0..<inputShape.blocks {
            // The 4 input rows (nil: in the padding).
            func row(_ r: Int) -> UnsafePointer<Float>? {
                let ih = m * th - padTop + r
                return ih >= 0 && ih < inputShape.h ? plane + block * inputShape.blockStride + ih * inputShape.rowStride : nil
            }
            let (row0, row1, row2, row3) = (row(0), row(1), row(2), row(3))
            let allRows = row0 != nil && row1 != nil && row2 != nil && row3 != nil
            let target = scratch.transformed + slot * layout.slotStride + block * layout.blockStride
            for tw in 0..<layout.tileColumns {
                let fast = allRows && interior.contains(tw)
                let firstColumn = m * tw - padLeft
                @inline(__always)
                func load(_ r: Int, _ c: Int) -> V {
                    let line = r == 0 ? row0 : r == 1 ? row1 : r == 2 ? row2 : row3
                    if fast { return UnsafeRawPointer(line.unsafelyUnwrapped + (firstColumn + c) * s).load(as: V.self) }
                    guard let line, firstColumn + c >= 0, firstColumn + c < width else { return V() }
                    return UnsafeRawPointer(line + (firstColumn + c) * s).load(as: V.self)
                }
                // Columns: t = Bᵀ d (column c gives t[0..3][c]), then rows: V = t B.
                let (t00, t10, t20, t30) = T.input(load(0, 0), load(1, 0), load(2, 0), load(3, 0))
                let (t01, t11, t21, t31) = T.input(load(0, 1), load(1, 1), load(2, 1), load(3, 1))
                let (t02, t12, t22, t32) = T.input(load(0, 2), load(1, 2), load(2, 2), load(3, 2))
                let (t03, t13, t23, t33) = T.input(load(0, 3), load(1, 3), load(2, 3), load(3, 3))
                @inline(__always)
                func put(_ r: Int, _ values: (V, V, V, V)) {
                    let row = target + 4 * r * layout.positionStride + tw * s
                    UnsafeMutableRawPointer(row).storeBytes(of: values.0, as: V.self)
                    UnsafeMutableRawPointer(row + layout.positionStride).storeBytes(of: values.1, as: V.self)
                    UnsafeMutableRawPointer(row + 2 * layout.positionStride).storeBytes(of: values.2, as: V.self)
                    UnsafeMutableRawPointer(row + 3 * layout.positionStride).storeBytes(of: values.3, as: V.self)
                }
                put(0, T.input(t00, t01, t02, t03))
                put(1, T.input(t10, t11, t12, t13))
                put(2, T.input(t20, t21, t22, t23))
                put(3, T.input(t30, t31, t32, t33))
            }
        }
    }

    /// M[ξ] = Σ_taps V[ξ] · U[ξ] for one chunk, on the generated tiles.
    private func multiply(_ chunk: ConvolutionSpec.Chunk, tapCount: Int, layout: WinogradLayout, scratch: WinogradScratch) {
        let s = inputShape.lanes
        let productStride = layout.tileColumns * chunk.blocks * s
        guard tapCount > 0 else {
            scratch.products.update(repeating: 0, count: 16 * productStride)
            return
        }
        let perTap = s * chunk.blocks * s
        for t in 0..<tapCount { scratch.tapWeights[t] = scratch.tapIndices[t] * perTap }
        let blockStride = parameters.kernel[0] * perTap
        let half = ConvolutionTiles.usesHalfTiles(lanes: s, firstBlock: chunk.firstBlock, blocks: chunk.blocks, output: spec.output)
        let maximum = ConvolutionTiles.maximumWidth(lanes: s, outputBlocks: chunk.blocks, halfLast: half)
        for position in 0..<16 {
            var arguments = TileArguments(
                input: UnsafePointer(scratch.transformed + position * layout.positionStride), xStep: s, xBlockStride: layout.blockStride,
                blocks: inputShape.blocks, lastChannels: inputShape.lastBlockChannels,
                weights: chunk.weights + position * inputShape.blocks * blockStride, wBlockStride: blockStride,
                taps: UnsafePointer(scratch.taps), tapWeights: UnsafePointer(scratch.tapWeights), tapCount: tapCount,
                tile: scratch.products + position * productStride)
            var tile = 0
            while tile < layout.tileColumns {
                let width = min(maximum, layout.tileColumns - tile)
                arguments.input = UnsafePointer(scratch.transformed + position * layout.positionStride + tile * s)
                arguments.tile = scratch.products + position * productStride + tile * chunk.blocks * s
                ConvolutionTiles.tile(lanes: s, outputBlocks: chunk.blocks, width: width, unitStride: true, halfLast: half)!(arguments)
                tile += width
            }
        }
    }

    /// Y = Aᵀ M A: m output rows of m × tileColumns positions, laid out
    /// [row][position][block][S].
    private func transformOutput<V: KernelVector, T: WinogradTransform>(_ chunk: ConvolutionSpec.Chunk, layout: WinogradLayout,
                                                                        scratch: WinogradScratch, as _: V.Type, _: T.Type) {
        let s = inputShape.lanes
        let m = T.m
        let productStride = layout.tileColumns * chunk.blocks * s
        let rowStride = layout.tileColumns * m * chunk.blocks * s
        for tw in 0..<layout.tileColumns {
            for ob in 0..<chunk.blocks {
                @inline(__always)
                func product(_ position: Int) -> V {
                    UnsafeRawPointer(scratch.products + position * productStride + (tw * chunk.blocks + ob) * s).load(as: V.self)
                }
                @inline(__always)
                func put(_ r: Int, _ column: Int, _ value: V) {
                    UnsafeMutableRawPointer(scratch.outputRows + r * rowStride + ((m * tw + column) * chunk.blocks + ob) * s)
                        .storeBytes(of: value, as: V.self)
                }
                // Columns of M first (u = Aᵀ M), then rows (Y = u A).
                let u0 = T.output(product(0), product(4), product(8), product(12))
                let u1 = T.output(product(1), product(5), product(9), product(13))
                let u2 = T.output(product(2), product(6), product(10), product(14))
                let u3 = T.output(product(3), product(7), product(11), product(15))
                for r in 0..<m {
                    let y = T.output(u0[r], u1[r], u2[r], u3[r])
                    for column in 0..<m { put(r, column, y[column]) }
                }
            }
        }
    }
}

/// The two Winograd variants, both with α = 4 points (0, 1, −1, ∞).
enum WinogradVariant {
    case f2x2k3x3
    case f3x3k2x2

    /// The variant for a kernel of `size` × `size` in H × W.
    init(kernel size: Int) { self = size == 2 ? .f3x3k2x2 : .f2x2k3x3 }

    /// Outputs per tile along H and W.
    var m: Int { self == .f2x2k3x3 ? 2 : 3 }
}

/// One variant's transforms, for specializing the kernel.
protocol WinogradTransform {
    /// Outputs per tile along H and W.
    static var m: Int { get }
    /// Bᵀ applied to (d0, d1, d2, d3).
    static func input<V: KernelVector>(_ d0: V, _ d1: V, _ d2: V, _ d3: V) -> (V, V, V, V)
    /// Aᵀ applied to (m0, m1, m2, m3): m values.
    static func output<V: KernelVector>(_ m0: V, _ m1: V, _ m2: V, _ m3: V) -> WinogradOutputs<V>
}

/// F(2×2, 3×3): Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]],
/// Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]].
enum F2x2K3x3: WinogradTransform {
    static var m: Int { 2 }

    @inline(__always)
    static func input<V: KernelVector>(_ d0: V, _ d1: V, _ d2: V, _ d3: V) -> (V, V, V, V) {
        (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
    }

    @inline(__always)
    static func output<V: KernelVector>(_ m0: V, _ m1: V, _ m2: V, _ m3: V) -> WinogradOutputs<V> {
        WinogradOutputs(m0 + m1 + m2, m1 - m2 - m3, V())
    }
}

/// F(3×3, 2×2): Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, −1, 0, 1]],
/// Aᵀ = [[1, 1, 1, 0], [0, 1, −1, 0], [0, 1, 1, 1]].
enum F3x3K2x2: WinogradTransform {
    static var m: Int { 3 }

    @inline(__always)
    static func input<V: KernelVector>(_ d0: V, _ d1: V, _ d2: V, _ d3: V) -> (V, V, V, V) {
        (d0 - d2, d1 + d2, d2 - d1, d3 - d1)
    }

    @inline(__always)
    static func output<V: KernelVector>(_ m0: V, _ m1: V, _ m2: V, _ m3: V) -> WinogradOutputs<V> {
        let sum = m1 + m2
        return WinogradOutputs(m0 + sum, m1 - m2, sum + m3)
    }
}

/// Up to three transformed outputs, by index.
struct WinogradOutputs<V: KernelVector> {
    let y0: V, y1: V, y2: V

    @inline(__always)
    init(_ y0: V, _ y1: V, _ y2: V) { (self.y0, self.y1, self.y2) = (y0, y1, y2) }

    @inline(__always)
    subscript(index: Int) -> V { index == 0 ? y0 : index == 1 ? y1 : y2 }
}

/// Extents and strides (floats) of the Winograd scratch of one convolution.
struct WinogradLayout {
    /// Positions computed per axis (D, H, W).
    let extent: [Int]
    let tileRows: Int
    let tileColumns: Int
    let lanes: Int
    let blocks: Int
    let depthTaps: Int
    /// Outputs per tile along H and W.
    let m: Int
    /// Transformed input planes kept per thread: the D extent one output plane
    /// reads, (Kd − 1)·dilation + 1, so that its taps fall in distinct slots.
    let ringSlots: Int

    init(inputShape: BlockedShape, parameters: ConvolutionParameters, extent: [Int], m: Int) {
        self.extent = extent
        self.m = m
        tileRows = (extent[1] + m - 1) / m
        tileColumns = (extent[2] + m - 1) / m
        lanes = inputShape.lanes
        blocks = inputShape.blocks
        depthTaps = parameters.kernel[0]
        ringSlots = (parameters.kernel[0] - 1) * parameters.dilation[0] + 1
    }

    /// Transformed input V: [ξ][ring slot][block][tile][S].
    var blockStride: Int { tileColumns * lanes }
    var slotStride: Int { blocks * blockStride }
    var positionStride: Int { ringSlots * slotStride }
}

/// One thread's Winograd buffers.
struct WinogradScratch {
    let transformed: UnsafeMutablePointer<Float>
    /// M: [ξ][tile][block][S] for one chunk (at most 4 blocks).
    let products: UnsafeMutablePointer<Float>
    let outputRows: UnsafeMutablePointer<Float>
    let taps: UnsafeMutablePointer<Int>
    let tapIndices: UnsafeMutablePointer<Int>
    let tapWeights: UnsafeMutablePointer<Int>
    /// The input plane in each ring slot, −1 for none.
    let slotPlanes: UnsafeMutablePointer<Int>

    init(layout: WinogradLayout) {
        let s = layout.lanes
        transformed = .allocate(capacity: 16 * layout.positionStride)
        products = .allocate(capacity: 16 * layout.tileColumns * 4 * s)
        outputRows = .allocate(capacity: layout.m * layout.tileColumns * layout.m * 4 * s)
        taps = .allocate(capacity: layout.depthTaps)
        tapIndices = .allocate(capacity: layout.depthTaps)
        tapWeights = .allocate(capacity: layout.depthTaps)
        slotPlanes = .allocate(capacity: layout.ringSlots)
    }

    func deallocate() {
        for pointer in [transformed, products, outputRows] { pointer.deallocate() }
        for pointer in [taps, tapIndices, tapWeights, slotPlanes] { pointer.deallocate() }
    }
}
