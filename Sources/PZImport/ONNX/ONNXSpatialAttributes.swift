import PZGraph
import PZONNX

/// The spatial attributes of Conv, ConvTranspose and the pools, in the ONNX
/// graph's rank, with `auto_pad` resolved against the input's spatial size.
struct ONNXSpatialAttributes {
    var kernel: [Int]
    var strides: [Int]
    var dilations: [Int]
    var padBegin: [Int]
    var padEnd: [Int]
    /// "NOTSET", "VALID", "SAME_UPPER" or "SAME_LOWER".
    var autoPad: String

    /// `kernel` comes from the weights (convolutions) or `kernel_shape` (pools, nil here).
    init(_ attributes: ONNXAttributes, spatialRank: Int, kernel weightKernel: [Int]?) throws {
        let given = try attributes.intsIfPresent("kernel_shape")
        guard let kernel = weightKernel ?? given else { throw attributes.fail("kernel_shape", "required, missing") }
        if let given, given != kernel { throw attributes.fail("kernel_shape", "\(given) differs from the weights' \(kernel)") }
        self.kernel = kernel
        strides = try attributes.intsIfPresent("strides") ?? [Int](repeating: 1, count: spatialRank)
        dilations = try attributes.intsIfPresent("dilations") ?? [Int](repeating: 1, count: spatialRank)
        let pads = try attributes.intsIfPresent("pads") ?? [Int](repeating: 0, count: 2 * spatialRank)
        autoPad = try attributes.string("auto_pad", default: "NOTSET")
        for (name, list, count) in [("kernel_shape", kernel, spatialRank), ("strides", strides, spatialRank),
                                    ("dilations", dilations, spatialRank), ("pads", pads, 2 * spatialRank)] where list.count != count {
            throw attributes.fail(name, "has \(list.count) values for \(spatialRank) spatial axes")
        }
        guard kernel.allSatisfy({ $0 >= 1 }), strides.allSatisfy({ $0 >= 1 }), dilations.allSatisfy({ $0 >= 1 }) else {
            throw attributes.fail("kernel_shape", "kernel, strides and dilations must be positive")
        }
        guard pads.allSatisfy({ $0 >= 0 }) else { throw attributes.fail("pads", "negative padding \(pads)") }
        let limit = Graph.maximumSpatialParameter
        guard (kernel + strides + dilations + pads).allSatisfy({ $0 <= limit }) else {
            throw attributes.fail("kernel_shape", "kernel, strides, dilations or pads beyond \(limit)")
        }
        guard ["NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"].contains(autoPad) else {
            throw attributes.fail("auto_pad", "unknown value '\(autoPad)'")
        }
        padBegin = Array(pads[..<spatialRank])
        padEnd = Array(pads[spatialRank...])
    }

    /// Resolves `auto_pad` for a convolution or pool reading `input` (spatial sizes).
    mutating func resolvePadding(input: [Int]) {
        switch autoPad {
        case "VALID":
            padBegin = padBegin.map { _ in 0 }
            padEnd = padBegin
        case "SAME_UPPER", "SAME_LOWER":
            for axis in input.indices {
                let output = (input[axis] + strides[axis] - 1) / strides[axis]
                let total = max((output - 1) * strides[axis] + (kernel[axis] - 1) * dilations[axis] + 1 - input[axis], 0)
                let small = total / 2
                (padBegin[axis], padEnd[axis]) = autoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small)
            }
        default:
            break
        }
    }
}
