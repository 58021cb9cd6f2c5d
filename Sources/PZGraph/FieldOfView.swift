/// How many input voxels one output voxel of a net depends on, per spatial axis
/// (D, H, W): its theoretical receptive field, from the layers' kernels,
/// strides, dilations and upsampling factors alone (not from the input size).
public struct FieldOfView: Equatable, Sendable {
    /// Input voxels per axis (D, H, W) one output voxel depends on, at most.
    public let size: [Int]

    /// The field of view of `graph`'s outputs (the largest over them) on its
    /// input. Each tensor carries, per axis, its field `r` in input voxels and
    /// the input-voxel distance `j` between two neighbouring voxels of it:
    /// a convolution or pooling of extent k and stride s makes r + (k − 1)·j and
    /// j·s; a transposed convolution of kernel k and stride s makes
    /// r + (⌈k/s⌉ − 1)·j and j/s (each of its outputs sees ⌈k/s⌉ inputs);
    /// upsampling by f makes j/f; joins (sum, concat, merge-crop) take the
    /// largest field. Other layers keep both.
    public init(_ graph: Graph) {
        var field: [String: (size: [Double], step: [Double])] = [:]
        var largest = [1.0, 1.0, 1.0]
        for node in graph.nodes {
            let inputs = node.inputs.compactMap { field[$0] }
            var (size, step) = inputs.first ?? ([1, 1, 1], [1, 1, 1])
            for other in inputs.dropFirst() {
                size = (0..<3).map { max(size[$0], other.size[$0]) }
                step = (0..<3).map { min(step[$0], other.step[$0]) }
            }
            switch node.op {
            case .input:
                (size, step) = ([1, 1, 1], [1, 1, 1])
            case .convolution(let parameters):
                let extent = parameters.kernelExtent
                for axis in 0..<3 {
                    size[axis] += Double(entry(extent, axis) - 1) * step[axis]
                    step[axis] *= Double(entry(parameters.stride, axis))
                }
            case .pooling(let parameters):
                for axis in 0..<3 {
                    size[axis] += Double(entry(parameters.kernel, axis) - 1) * step[axis]
                    step[axis] *= Double(entry(parameters.stride, axis))
                }
            case .deconvolution(let parameters):
                let extent = parameters.kernelExtent
                for axis in 0..<3 {
                    let stride = entry(parameters.stride, axis)
                    size[axis] += Double((entry(extent, axis) + stride - 1) / stride - 1) * step[axis]
                    step[axis] /= Double(stride)
                }
            case .upsample(let parameters):
                for axis in 0..<3 { step[axis] /= Double(entry(parameters.factors, axis)) }
            default:
                break
            }
            for output in node.outputs { field[output] = (size, step) }
        }
        for output in graph.outputs {
            guard let (size, _) = field[output.tensor] else { continue }
            largest = (0..<3).map { max(largest[$0], size[$0]) }
        }
        size = largest.map { Int(min($0, Double(Int32.max)).rounded(.up)) }
    }
}

/// `values[axis]`, or 1 past its end (a parameter list shorter than three axes), at least 1.
private func entry(_ values: [Int], _ axis: Int) -> Int {
    axis < values.count ? max(1, values[axis]) : 1
}
