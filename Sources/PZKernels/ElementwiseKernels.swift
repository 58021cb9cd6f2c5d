import PZGraph
import PZPack

/// `y = activation(x · multiplier + addend)` per channel, in one pass: an unfused
/// BatchNorm, Scale, activation or PReLU, or a chain of them merged by the
/// channelwise-fusion pass (vectors padded to blocks × S; nil when absent).
struct ChannelwiseKernel: StepKernel, @unchecked Sendable {
    let spec: ChannelwiseSpec

    func run(inputs: [UnsafePointer<Float>], outputs: [UnsafeMutablePointer<Float>], threads: Int) {
        let shape = spec.shape
        let planes = shape.n * shape.blocks * shape.d
        let shared = (Shared(UnsafeMutablePointer(mutating: inputs[0])), Shared(outputs[0]))
        parallelRanges(planes, threads: threads) { range in
            if shape.lanes == 16 {
                self.planes(range, shared.0.pointer, shared.1.pointer, as: SIMD16<Float>.self)
            } else {
                self.planes(range, shared.0.pointer, shared.1.pointer, as: SIMD8<Float>.self)
            }
        }
    }

    private func planes<V: KernelVector>(_ range: Range<Int>, _ input: UnsafePointer<Float>,
                                         _ output: UnsafeMutablePointer<Float>, as _: V.Type) {
        let shape = spec.shape, s = shape.lanes
        func vector(_ values: [Float]?, block: Int) -> V? {
            values.map { values in values.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress! + block * s).load(as: V.self) } }
        }
        for plane in range {
            let block = (plane / shape.d) % shape.blocks
            let m = vector(spec.multiplier, block: block), a = vector(spec.addend, block: block)
            let slopes = vector(spec.slopes, block: block) ?? V()
            let source = input + plane * shape.planeStride
            let target = output + plane * shape.planeStride
            for position in stride(from: 0, to: shape.planeStride, by: s) {
                var value = UnsafeRawPointer(source + position).load(as: V.self)
                if let m { value *= m }
                if let a { value += a }
                value = activate(value, spec.activation, slopes: slopes)
                UnsafeMutableRawPointer(target + position).storeBytes(of: value, as: V.self)
            }
        }
    }
}

/// Element-wise sum (with coefficients), product, max or difference of inputs
/// of one shape, over whole blocked buffers.
struct EltwiseKernel: StepKernel, @unchecked Sendable {
    let parameters: EltwiseParameters
    let shape: BlockedShape

    func run(inputs: [UnsafePointer<Float>], outputs: [UnsafeMutablePointer<Float>], threads: Int) {
        run(inputs: inputs, output: outputs[0], threads: threads)
    }

    func run(inputs: [UnsafePointer<Float>], output: UnsafeMutablePointer<Float>, threads: Int) {
        let chunkFloats = 4096
        let count = (shape.floatCount + chunkFloats - 1) / chunkFloats
        let sources = inputs.map { Shared(UnsafeMutablePointer(mutating: $0)) }
        let target = Shared(output)
        let coefficients = parameters.coefficients ?? Array(repeating: 1, count: inputs.count)
        let operation = parameters.operation
        let total = shape.floatCount
        parallelRanges(count, threads: threads) { range in
            let start = range.lowerBound * chunkFloats
            let end = min(total, range.upperBound * chunkFloats)
            var index = start
            while index < end {
                var value = SIMD16<Float>(repeating: 0)
                let width = min(16, end - index)
                if width == 16 {
                    func load(_ k: Int) -> SIMD16<Float> { UnsafeRawPointer(sources[k].pointer + index).load(as: SIMD16<Float>.self) }
                    value = EltwiseKernel.combine(operation, coefficients, count: sources.count, load)
                    UnsafeMutableRawPointer(target.pointer + index).storeBytes(of: value, as: SIMD16<Float>.self)
                } else {
                    for lane in 0..<width {
                        func load(_ k: Int) -> SIMD16<Float> { SIMD16(repeating: sources[k].pointer[index + lane]) }
                        target.pointer[index + lane] = EltwiseKernel.combine(operation, coefficients, count: sources.count, load)[0]
                    }
                }
                index += 16
            }
        }
    }

    @inline(__always)
    private static func combine(_ operation: EltwiseParameters.Operation, _ coefficients: [Float], count: Int,
                                _ load: (Int) -> SIMD16<Float>) -> SIMD16<Float> {
        switch operation {
        case .sum:
            var value = load(0) * SIMD16(repeating: coefficients[0])
            for k in 1..<count { value = value.addingProduct(load(k), SIMD16(repeating: coefficients[k])) }
            return value
        case .product:
            var value = load(0)
            for k in 1..<count { value *= load(k) }
            return value
        case .max:
            var value = load(0)
            for k in 1..<count { value = SIMD16.maximum(value, load(k)) }
            return value
        case .subtract:
            return load(0) - load(1)
        }
    }
}

/// `x · s[n, c]`: every plane of the first input times its block's vector of the
/// second (N × C × 1 × 1 × 1, blocked: one vector per batch item and block).
struct ChannelScaleKernel: StepKernel, @unchecked Sendable {
    let shape: BlockedShape

    func run(inputs: [UnsafePointer<Float>], outputs: [UnsafeMutablePointer<Float>], threads: Int) {
        let x = Shared(UnsafeMutablePointer(mutating: inputs[0])), s = Shared(UnsafeMutablePointer(mutating: inputs[1]))
        let target = Shared(outputs[0])
        parallelRanges(shape.n * shape.blocks * shape.d, threads: threads) { range in
            if self.shape.lanes == 16 {
                self.planes(range, x.pointer, s.pointer, target.pointer, as: SIMD16<Float>.self)
            } else {
                self.planes(range, x.pointer, s.pointer, target.pointer, as: SIMD8<Float>.self)
            }
        }
    }

    private func planes<V: KernelVector>(_ range: Range<Int>, _ x: UnsafePointer<Float>, _ s: UnsafePointer<Float>,
                                         _ output: UnsafeMutablePointer<Float>, as _: V.Type) {
        let lanes = shape.lanes
        for plane in range {
            let scale = UnsafeRawPointer(s + (plane / shape.d) * lanes).load(as: V.self)
            let from = x + plane * shape.planeStride, to = output + plane * shape.planeStride
            for position in stride(from: 0, to: shape.planeStride, by: lanes) {
                UnsafeMutableRawPointer(to + position).storeBytes(of: UnsafeRawPointer(from + position).load(as: V.self) * scale, as: V.self)
            }
        }
    }
}
