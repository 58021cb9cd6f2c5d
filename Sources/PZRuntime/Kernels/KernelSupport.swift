import PZGraph

/// Which convolutions and deconvolutions the fast kernels compute; the exporter
/// plans with these and the loader checks plans against them.
extension ConvolutionParameters {
    /// The direct and Winograd kernels: one group, or groups whose input and
    /// output channel counts are whole blocks of `lanes`.
    public func fitsBlockedConvolution(inputChannels: Int, lanes: Int) -> Bool {
        groups == 1 || ((inputChannels / groups) % lanes == 0 && (outputChannels / groups) % lanes == 0)
    }

    /// The Winograd kernel: 3×3 in H×W with unit stride and dilation there (any
    /// depth, D stride and D dilation), one group.
    public var fitsWinograd: Bool {
        groups == 1 && kernel[1] == 3 && kernel[2] == 3 && stride[1] == 1 && stride[2] == 1 && dilation[1] == 1 && dilation[2] == 1
    }

    /// The deconvolution kernel: kernel = stride, no dilation, one group (each
    /// output position receives exactly one tap).
    public var fitsSubPixelDeconvolution: Bool {
        kernel == stride && dilation == [1, 1, 1] && groups == 1
    }
}
