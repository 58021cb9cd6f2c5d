/// Caffe's N-D spatial parameters (kernel, stride, pad, dilation) as pzconv's
/// three values (D, H, W).
///
/// Caffe's rules (base_conv_layer.cpp, and the ND pooling of the 3-D forks): the
/// repeated field gives 1 value (all axes) or one per spatial axis; `name_h` /
/// `name_w` are allowed only for 2 spatial axes and only without the repeated
/// field. A 2-D blob's D axis gets `neutral` (kernel, stride, dilation 1; pad 0).
struct CaffeSpatialParameters {
    let parameters: ProtoMessage
    /// The `*_param` block's name, for messages ("convolution_param").
    let block: String
    /// 2 or 3.
    let spatialAxes: Int

    func values(_ name: String, neutral: Int, required: Bool = false) throws -> [Int] {
        let repeated = parameters.integers(name)
        let hasHW = parameters.has("\(name)_h") || parameters.has("\(name)_w")
        var values: [Int]
        if hasHW {
            guard spatialAxes == 2 else {
                throw CaffeParameterError("\(block).\(name)_h/_w are only allowed for 2-D blobs")
            }
            guard repeated.isEmpty else {
                throw CaffeParameterError("\(block) gives both \(name) and \(name)_h/_w")
            }
            let fallback = required ? nil : neutral
            guard let h = parameters.has("\(name)_h") ? parameters.integer("\(name)_h") : fallback,
                  let w = parameters.has("\(name)_w") ? parameters.integer("\(name)_w") : fallback else {
                throw CaffeParameterError("\(block) needs both \(name)_h and \(name)_w")
            }
            values = [h, w]
        } else if repeated.isEmpty {
            guard !required else { throw CaffeParameterError("\(block).\(name) is required") }
            values = Array(repeating: neutral, count: spatialAxes)
        } else if repeated.count == 1 {
            values = Array(repeating: repeated[0], count: spatialAxes)
        } else if repeated.count == spatialAxes {
            values = repeated
        } else {
            throw CaffeParameterError("\(block).\(name) has \(repeated.count) values for \(spatialAxes) spatial axes "
                                      + "(give 1 or \(spatialAxes))")
        }
        return spatialAxes == 2 ? [neutral] + values : values
    }
}

/// A bad layer parameter; the conversion adds the layer's context.
struct CaffeParameterError: Error {
    let message: String

    init(_ message: String) { self.message = message }
}
