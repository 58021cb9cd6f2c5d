/// Parameters of a Pooling node. Spatial lists have three entries, for (D, H, W).
///
/// One representation covers Caffe and TensorFlow/Keras semantics:
///
/// - Output size: with `.floor`, `⌊(in + padBegin + padEnd − K) / stride⌋ + 1`
///   (TF "valid"; TF "same" once its asymmetric padding is explicit). With
///   `.caffeCeil`, `⌈(in + padBegin + padEnd − K) / stride⌉ + 1`, then, when any
///   padding is non-zero, one less if the last window would start at or beyond
///   `in + padBegin` (Caffe's clip: every window starts inside the image or its
///   leading padding).
/// - Windows start at `o·stride − padBegin` and span K positions.
/// - Max ignores padding (as if it were −∞); every window holds at least one input.
/// - Average sums the input positions inside the window. Its divisor is, with
///   `averageCountsPadding` (Caffe), the window clipped to `[−padBegin, in + padEnd)`,
///   counting padded cells but not the overhang past the end padding; without it
///   (TF), the number of real input positions in the window.
public struct PoolingParameters: Hashable, Sendable, Codable {
    enum CodingKeys: String, CodingKey {
        case method, kernel, stride, padBegin = "pad_begin", padEnd = "pad_end", rounding
        case averageCountsPadding = "average_counts_padding"
    }

    public enum Method: String, Hashable, Sendable, Codable {
        case max
        case average
    }

    public enum Rounding: String, Hashable, Sendable, Codable {
        case floor
        case caffeCeil = "caffe_ceil"
    }

    public var method: Method
    public var kernel: [Int]
    public var stride: [Int]
    public var padBegin: [Int]
    public var padEnd: [Int]
    public var rounding: Rounding
    public var averageCountsPadding: Bool

    public init(method: Method, kernel: [Int], stride: [Int], padBegin: [Int] = [0, 0, 0],
                padEnd: [Int] = [0, 0, 0], rounding: Rounding, averageCountsPadding: Bool) {
        self.method = method
        self.kernel = kernel
        self.stride = stride
        self.padBegin = padBegin
        self.padEnd = padEnd
        self.rounding = rounding
        self.averageCountsPadding = averageCountsPadding
    }

    /// The output extent along one spatial axis of input extent `input` (0 or less
    /// when no window fits). Caffe's ceil mode admits a kernel larger than the
    /// padded input when the stride is larger still, as Caffe does.
    public func outputExtent(input: Int, axis: Int) -> Int {
        let span = input + padBegin[axis] + padEnd[axis] - kernel[axis]
        switch rounding {
        case .floor:
            return floorDivide(span, stride[axis]) + 1
        case .caffeCeil:
            var extent = ceilDivide(span, stride[axis]) + 1
            if padBegin[axis] > 0 || padEnd[axis] > 0, (extent - 1) * stride[axis] >= input + padBegin[axis] {
                extent -= 1
            }
            return extent
        }
    }
}

extension PoolingParameters {
    /// For an average that counts padding: per output position (D, H, W order, W
    /// fastest), the divisor a window would have with end padding `countedPadEnd`
    /// (≥ `padEnd`) over this pooling's own divisor — 1 except where a last window
    /// overhangs `in + padEnd`. `input` and `output` are the spatial extents.
    /// (How ONNX's AveragePool with grown end padding relates to Caffe's ceil-mode average.)
    public func divisorRatios(input: [Int], output: [Int], countedPadEnd: [Int]) -> [Float] {
        let perAxis = (0..<3).map { axis in
            (0..<output[axis]).map { o -> Float in
                let start = o * stride[axis] - padBegin[axis]
                let counted = min(start + kernel[axis], input[axis] + countedPadEnd[axis]) - start
                let own = min(start + kernel[axis], input[axis] + padEnd[axis]) - start
                return Float(counted) / Float(own)
            }
        }
        var ratios: [Float] = []
        ratios.reserveCapacity(output.reduce(1, *))
        for d in perAxis[0] { for h in perAxis[1] { for w in perAxis[2] { ratios.append(d * h * w) } } }
        return ratios
    }
}
