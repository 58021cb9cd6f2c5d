import PZGraph
import PZPack

/// Convolution by Winograd's minimal filtering in the H×W plane (Lavin & Gray
/// 2016), in any of the variants of `WinogradVariant` (α = 4 or 6 transform
/// points): F(2×2, 3×3) or F(4×4, 3×3) for Kd×3×3 kernels, F(3×3, 2×2) for the
/// 2×2 phases of kernel-4 stride-2 transposed convolutions, F(3×3, 4×4), and
/// F(2×2, 5×5) for V-Net's 5×5×5; unit stride and dilation in H and W, any
/// depth, D stride and D dilation, one group. The D-taps are summed directly.
///
/// Per output tile row (n, od, th) — a thread takes runs of consecutive od — it
/// 1. transforms the α input rows each D-tap reads, all channel blocks at once
///    (S channels per vector): V[ξ] = Bᵀ d B, ξ = α × α transform positions,
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
/// direct summation by a few ulp of the largest partial sums for α = 4 (the
/// transforms add, subtract and halve) and somewhat more for α = 6 (they scale
/// by up to 8 and 1/24; see the tests' tolerances).
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
        let layout = WinogradLayout(inputShape: inputShape, parameters: parameters, extent: spec.extent, variant: variant)
        // Work units: (n, tile row, run of output planes). Within a run, consecutive
        // output planes share transformed input planes; runs are split only as far
        // as needed for every thread to get several units.
        let rows = inputShape.n * layout.tileRows
        let runs = min(spec.extent[0], max(1, (4 * threads + rows - 1) / rows))
        let sharedInput = Shared(UnsafeMutablePointer(mutating: input))
        parallelRanges(rows * runs, threads: threads) { range in
            if self.inputShape.lanes == 16 {
                self.units(range, runs: runs, layout: layout, input: sharedInput.pointer, store: store, as: SIMD16<Float>.self)
            } else {
                self.units(range, runs: runs, layout: layout, input: sharedInput.pointer, store: store, as: SIMD8<Float>.self)
            }
        }
    }

    /// The variant's transforms, specialized.
    private func units<V: KernelVector>(_ range: Range<Int>, runs: Int, layout: WinogradLayout, input: UnsafePointer<Float>,
                                        store: EpilogueStore, as _: V.Type) {
        switch (variant.outputs, variant.kernel) {
        case (2, 3): units(range, runs: runs, layout: layout, input: input, store: store, as: V.self, F2K3.self)
        case (4, 3): units(range, runs: runs, layout: layout, input: input, store: store, as: V.self, F4K3.self)
        case (3, 2): units(range, runs: runs, layout: layout, input: input, store: store, as: V.self, F3K2.self)
        case (3, 4): units(range, runs: runs, layout: layout, input: input, store: store, as: V.self, F3K4.self)
        default: units(range, runs: runs, layout: layout, input: input, store: store, as: V.self, F2K5.self)
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
        let tile = UnsafeMutablePointer<V>.allocate(capacity: 2 * 36)
        defer { scratch.deallocate(); tile.deallocate() }
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
                        transformInput(plane, tileRow: th, slot: slot, layout: layout, scratch: scratch, tile: tile, T.self)
                        scratch.slotPlanes[slot] = id
                    }
                    scratch.taps[count] = slot * layout.slotStride
                    scratch.tapIndices[count] = i
                    count += 1
                }
                for chunk in chunks {
                    multiply(chunk, tapCount: count, layout: layout, scratch: scratch)
                    transformOutput(chunk, layout: layout, scratch: scratch, tile: tile, T.self)
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

    /// V = Bᵀ d B for every tile of tile row `th` of one input plane, into `slot`
    /// (`tile`: α² vectors of scratch).
    private func transformInput<V: KernelVector, T: WinogradTransform>(_ plane: UnsafePointer<Float>, tileRow th: Int,
                                                                       slot: Int, layout: WinogradLayout,
                                                                       scratch: WinogradScratch, tile: UnsafeMutablePointer<V>,
                                                                       _: T.Type) {
        let s = inputShape.lanes
        let (m, alpha) = (T.m, T.alpha)
        let (padTop, padLeft) = (parameters.padBegin[1], parameters.padBegin[2])
        let width = inputShape.w
        // Tiles whose α input columns all lie inside the input.
        let interior = max(0, ceilDivide(padLeft, m))..<max(0, min(layout.tileColumns, floorDivide(width - alpha + padLeft, m) + 1))
        let rows = scratch.rows
        for block in 0..<inputShape.blocks {
            // The α input rows (nil: in the padding).
            var allRows = true
            for r in 0..<alpha {
                let ih = m * th - padTop + r
                rows[r] = ih >= 0 && ih < inputShape.h ? plane + block * inputShape.blockStride + ih * inputShape.rowStride : nil
                allRows = allRows && rows[r] != nil
            }
            let target = scratch.transformed + slot * layout.slotStride + block * layout.blockStride
            for tw in 0..<layout.tileColumns {
                let firstColumn = m * tw - padLeft
                if allRows && interior.contains(tw) {
                    for r in 0..<alpha {
                        let line = rows[r].unsafelyUnwrapped + firstColumn * s
                        for c in 0..<alpha { tile[r * alpha + c] = UnsafeRawPointer(line + c * s).load(as: V.self) }
                    }
                } else {
                    for r in 0..<alpha {
                        for c in 0..<alpha {
                            let column = firstColumn + c
                            if let line = rows[r], column >= 0, column < width {
                                tile[r * alpha + c] = UnsafeRawPointer(line + column * s).load(as: V.self)
                            } else {
                                tile[r * alpha + c] = V()
                            }
                        }
                    }
                }
                // Columns (t = Bᵀ d), then rows (V = t B).
                for c in 0..<alpha { T.input(tile + c, alpha) }
                for r in 0..<alpha { T.input(tile + r * alpha, 1) }
                for position in 0..<(alpha * alpha) {
                    UnsafeMutableRawPointer(target + position * layout.positionStride + tw * s).storeBytes(of: tile[position], as: V.self)
                }
            }
        }
    }

    /// M[ξ] = Σ_taps V[ξ] · U[ξ] for one chunk, on the generated tiles.
    private func multiply(_ chunk: ConvolutionSpec.Chunk, tapCount: Int, layout: WinogradLayout, scratch: WinogradScratch) {
        let s = inputShape.lanes
        let productStride = layout.tileColumns * chunk.blocks * s
        guard tapCount > 0 else {
            scratch.products.update(repeating: 0, count: layout.positions * productStride)
            return
        }
        let perTap = s * chunk.blocks * s
        for t in 0..<tapCount { scratch.tapWeights[t] = scratch.tapIndices[t] * perTap }
        let blockStride = parameters.kernel[0] * perTap
        let half = ConvolutionTiles.usesHalfTiles(lanes: s, firstBlock: chunk.firstBlock, blocks: chunk.blocks, output: spec.output)
        let maximum = ConvolutionTiles.maximumWidth(lanes: s, outputBlocks: chunk.blocks, halfLast: half)
        for position in 0..<layout.positions {
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
    /// [row][position][block][S] (`tile`: 2α² vectors of scratch).
    private func transformOutput<V: KernelVector, T: WinogradTransform>(_ chunk: ConvolutionSpec.Chunk, layout: WinogradLayout,
                                                                        scratch: WinogradScratch, tile: UnsafeMutablePointer<V>,
                                                                        _: T.Type) {
        let s = inputShape.lanes
        let (m, alpha) = (T.m, T.alpha)
        let productStride = layout.tileColumns * chunk.blocks * s
        let rowStride = layout.tileColumns * m * chunk.blocks * s
        let half = tile + alpha * alpha
        for tw in 0..<layout.tileColumns {
            for ob in 0..<chunk.blocks {
                let products = scratch.products + (tw * chunk.blocks + ob) * s
                for position in 0..<(alpha * alpha) {
                    tile[position] = UnsafeRawPointer(products + position * productStride).load(as: V.self)
                }
                // Columns (u = Aᵀ M, m × α), then rows (Y = u A, m × m).
                for c in 0..<alpha { T.output(tile + c, alpha, half + c, alpha) }
                for r in 0..<m {
                    T.output(half + r * alpha, 1, tile + r * m, 1)
                    for column in 0..<m {
                        UnsafeMutableRawPointer(scratch.outputRows + r * rowStride + ((m * tw + column) * chunk.blocks + ob) * s)
                            .storeBytes(of: tile[r * m + column], as: V.self)
                    }
                }
            }
        }
    }
}

/// One variant's transforms, for specializing the kernel: Bᵀ (α × α) applied in
/// place to α vectors `stride` apart, and Aᵀ (m × α) from α vectors to m.
protocol WinogradTransform {
    static var m: Int { get }
    static var alpha: Int { get }
    static func input<V: KernelVector>(_ d: UnsafeMutablePointer<V>, _ stride: Int)
    static func output<V: KernelVector>(_ x: UnsafePointer<V>, _ stride: Int, _ y: UnsafeMutablePointer<V>, _ yStride: Int)
}

/// α = 4, points 0, 1, −1, ∞: Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, ∓1, 0, ±1]]
/// (the last row's sign is the variant's), Aᵀ rows (1, 1, 1, 0), (0, 1, −1, ·), (0, 1, 1, ·).
enum Alpha4 {
    @inline(__always)
    static func input<V: KernelVector>(_ d: UnsafeMutablePointer<V>, _ stride: Int, lastRowSign: Float) {
        let (d0, d1, d2, d3) = (d[0], d[stride], d[2 * stride], d[3 * stride])
        d[0] = d0 - d2
        d[stride] = d1 + d2
        d[2 * stride] = d2 - d1
        d[3 * stride] = lastRowSign > 0 ? d3 - d1 : d1 - d3
    }
}

/// F(2×2, 3×3): last Bᵀ row (0, 1, 0, −1); Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]].
enum F2K3: WinogradTransform {
    static var m: Int { 2 }
    static var alpha: Int { 4 }

    @inline(__always)
    static func input<V: KernelVector>(_ d: UnsafeMutablePointer<V>, _ stride: Int) { Alpha4.input(d, stride, lastRowSign: -1) }

    @inline(__always)
    static func output<V: KernelVector>(_ x: UnsafePointer<V>, _ stride: Int, _ y: UnsafeMutablePointer<V>, _ yStride: Int) {
        let (x1, x2) = (x[stride], x[2 * stride])
        y[0] = x[0] + x1 + x2
        y[yStride] = x1 - x2 - x[3 * stride]
    }
}

/// F(3×3, 2×2): last Bᵀ row (0, −1, 0, 1); Aᵀ = [[1, 1, 1, 0], [0, 1, −1, 0], [0, 1, 1, 1]].
enum F3K2: WinogradTransform {
    static var m: Int { 3 }
    static var alpha: Int { 4 }

    @inline(__always)
    static func input<V: KernelVector>(_ d: UnsafeMutablePointer<V>, _ stride: Int) { Alpha4.input(d, stride, lastRowSign: 1) }

    @inline(__always)
    static func output<V: KernelVector>(_ x: UnsafePointer<V>, _ stride: Int, _ y: UnsafeMutablePointer<V>, _ yStride: Int) {
        let (x1, x2) = (x[stride], x[2 * stride])
        let sum = x1 + x2
        y[0] = x[0] + sum
        y[yStride] = x1 - x2
        y[2 * yStride] = sum + x[3 * stride]
    }
}

/// α = 6, points 0, 1, −1, 2, −2, ∞ (one Bᵀ for every m, r):
/// Bᵀ = [[4, 0, −5, 0, 1, 0], [0, −4, −4, 1, 1, 0], [0, 4, −4, −1, 1, 0],
///       [0, −2, −1, 2, 1, 0], [0, 2, −1, −2, 1, 0], [0, 4, 0, −5, 0, 1]];
/// Aᵀ row i = (0ⁱ, 1, (−1)ⁱ, 2ⁱ, (−2)ⁱ, [i = m − 1]).
enum Alpha6 {
    @inline(__always)
    static func input<V: KernelVector>(_ d: UnsafeMutablePointer<V>, _ stride: Int) {
        let (d0, d1, d2, d3, d4, d5) = (d[0], d[stride], d[2 * stride], d[3 * stride], d[4 * stride], d[5 * stride])
        let four = V(repeating: 4), two = V(repeating: 2), five = V(repeating: -5)
        let a = d4 - d2, b = d3 - d1
        d[0] = (d0 * four).addingProduct(d2, five) + d4
        d[stride] = (d3 + d4).addingProduct(d1 + d2, -four)
        d[2 * stride] = (d4 - d3).addingProduct(d1 - d2, four)
        d[3 * stride] = a.addingProduct(b, two)
        d[4 * stride] = a.addingProduct(b, -two)
        d[5 * stride] = (d1 * four).addingProduct(d3, five) + d5
    }

    /// The first `m` rows of Aᵀ (the ∞ column counted on the last).
    @inline(__always)
    static func output<V: KernelVector>(_ x: UnsafePointer<V>, _ stride: Int, _ y: UnsafeMutablePointer<V>, _ yStride: Int,
                                        m: Int) {
        let (x1, x2, x3, x4, x5) = (x[stride], x[2 * stride], x[3 * stride], x[4 * stride], x[5 * stride])
        let (sum12, difference12, sum34, difference34) = (x1 + x2, x1 - x2, x3 + x4, x3 - x4)
        y[0] = x[0] + sum12 + sum34
        let row1 = difference12.addingProduct(difference34, V(repeating: 2))
        if m == 2 {
            y[yStride] = row1 + x5
            return
        }
        y[yStride] = row1
        let row2 = sum12.addingProduct(sum34, V(repeating: 4))
        if m == 3 {
            y[2 * yStride] = row2 + x5
            return
        }
        y[2 * yStride] = row2
        y[3 * yStride] = difference12.addingProduct(difference34, V(repeating: 8)) + x5
    }
}

/// F(4×4, 3×3).
enum F4K3: WinogradTransform {
    static var m: Int { 4 }
    static var alpha: Int { 6 }

    @inline(__always)
    static func input<V: KernelVector>(_ d: UnsafeMutablePointer<V>, _ stride: Int) { Alpha6.input(d, stride) }

    @inline(__always)
    static func output<V: KernelVector>(_ x: UnsafePointer<V>, _ stride: Int, _ y: UnsafeMutablePointer<V>, _ yStride: Int) {
        Alpha6.output(x, stride, y, yStride, m: 4)
    }
}

/// F(3×3, 4×4).
enum F3K4: WinogradTransform {
    static var m: Int { 3 }
    static var alpha: Int { 6 }

    @inline(__always)
    static func input<V: KernelVector>(_ d: UnsafeMutablePointer<V>, _ stride: Int) { Alpha6.input(d, stride) }

    @inline(__always)
    static func output<V: KernelVector>(_ x: UnsafePointer<V>, _ stride: Int, _ y: UnsafeMutablePointer<V>, _ yStride: Int) {
        Alpha6.output(x, stride, y, yStride, m: 3)
    }
}

/// F(2×2, 5×5).
enum F2K5: WinogradTransform {
    static var m: Int { 2 }
    static var alpha: Int { 6 }

    @inline(__always)
    static func input<V: KernelVector>(_ d: UnsafeMutablePointer<V>, _ stride: Int) { Alpha6.input(d, stride) }

    @inline(__always)
    static func output<V: KernelVector>(_ x: UnsafePointer<V>, _ stride: Int, _ y: UnsafeMutablePointer<V>, _ yStride: Int) {
        Alpha6.output(x, stride, y, yStride, m: 2)
    }
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
    /// Outputs per tile along H and W, and transform positions per axis.
    let m: Int
    let alpha: Int
    /// Transformed input planes kept per thread: the D extent one output plane
    /// reads, (Kd − 1)·dilation + 1, so that its taps fall in distinct slots.
    let ringSlots: Int

    init(inputShape: BlockedShape, parameters: ConvolutionParameters, extent: [Int], variant: WinogradVariant) {
        self.extent = extent
        m = variant.outputs
        alpha = variant.alpha
        tileRows = (extent[1] + m - 1) / m
        tileColumns = (extent[2] + m - 1) / m
        lanes = inputShape.lanes
        blocks = inputShape.blocks
        depthTaps = parameters.kernel[0]
        ringSlots = (parameters.kernel[0] - 1) * parameters.dilation[0] + 1
    }

    /// Transform positions ξ: α².
    var positions: Int { alpha * alpha }

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
    /// The α input rows of one tile row (nil: padding).
    let rows: UnsafeMutablePointer<UnsafePointer<Float>?>
    let outputRows: UnsafeMutablePointer<Float>
    let taps: UnsafeMutablePointer<Int>
    let tapIndices: UnsafeMutablePointer<Int>
    let tapWeights: UnsafeMutablePointer<Int>
    /// The input plane in each ring slot, −1 for none.
    let slotPlanes: UnsafeMutablePointer<Int>

    init(layout: WinogradLayout) {
        let s = layout.lanes
        transformed = .allocate(capacity: layout.positions * layout.positionStride)
        products = .allocate(capacity: layout.positions * layout.tileColumns * 4 * s)
        rows = .allocate(capacity: layout.alpha)
        outputRows = .allocate(capacity: layout.m * layout.tileColumns * layout.m * 4 * s)
        taps = .allocate(capacity: layout.depthTaps)
        tapIndices = .allocate(capacity: layout.depthTaps)
        tapWeights = .allocate(capacity: layout.depthTaps)
        slotPlanes = .allocate(capacity: layout.ringSlots)
    }

    func deallocate() {
        for pointer in [transformed, products, outputRows] { pointer.deallocate() }
        for pointer in [taps, tapIndices, tapWeights, slotPlanes] { pointer.deallocate() }
        rows.deallocate()
    }
}
