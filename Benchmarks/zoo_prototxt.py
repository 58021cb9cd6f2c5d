"""Caffe prototxts of four published segmentation nets for the benchmark zoo
(Benchmarks/nets/), written from the papers; where a paper leaves a detail
open, the choice is named here.

- dsn3d: the 3-D deeply supervised network (Dou et al., "3D deeply supervised
  network for automated segmentation of volumetric medical images", MICCAI 2016
  and Medical Image Analysis 41, 2017). The paper's main stream has 11 layers:
  six convolutions (conv1a; conv2a, conv2b; conv3a, conv3b; the classifier),
  two 2x2x2 max poolings and two deconvolutions (4x4x4, stride 2) back to full
  resolution, then a softmax. Deep supervision adds an auxiliary classifier on
  a hidden layer: conv2b (half resolution) is brought to full resolution by its
  own deconvolution and classified. The paper keeps the auxiliary output as a
  separate output (it has its own loss), so it is an extra output here, not
  summed, written before the main head so that the main softmax, `prob`, is the
  last layer. Choices: the 64x64x64 sub-volume and the three classes of the
  heart (HVSMR) experiment; 3x3x3 convolutions with 32, 64, 128 featuremaps and
  BatchNorm + Scale + ReLU after each, as the authors' public Caffe deploy of
  the heart variant has them (the liver variant's 9x9x7 ... kernels on
  160x160x72 inputs are not reproduced); no activation between the
  deconvolutions (as in that deploy); main-path deconvolutions with a bias, the
  auxiliary one without.
- densevoxnet: DenseVoxNet (Yu et al., "Automatic 3D cardiovascular MR
  segmentation with densely-connected volumetric ConvNets", MICCAI 2017). Input
  64x64x64; a 3x3x3 convolution with stride 2 (16 featuremaps); two dense blocks
  of 12 pre-activation layers (BN -> Scale -> ReLU -> 3x3x3 conv, growth rate
  12, dropout 0.2 after each conv), each layer's output concatenated to its
  input (the first block grows 16 -> 160 channels, the second 160 -> 304);
  between them a transition (BN -> Scale -> ReLU -> 1x1x1 conv keeping 160
  channels -> dropout -> 2x2x2 max pooling); after the second block BN ->
  Scale -> ReLU -> 1x1x1 conv (304 channels), then two deconvolutions (4x4x4,
  stride 2, pad 1; 128 then 64 featuremaps, each followed by a ReLU) up to
  64x64x64, a 1x1x1 classifier (3 classes) and a softmax. The auxiliary side
  path of the paper serves training only and is left out, as the authors'
  deploy file does. Caffe's BatchNorm is followed by a Scale with a bias.
- vnet: V-Net (Milletari et al., "V-Net: fully convolutional neural networks
  for volumetric medical image segmentation", 3DV 2016). Input 1x1x64x128x128
  (D x H x W: the paper's 128x128x64 volume). Left stages of 1, 2, 3, 3 and 3
  convolutions (5x5x5, pad 2) with 16, 32, 64, 128, 256 channels; between them
  a 2x2x2 stride-2 convolution doubling the channels; right stages of 3, 3, 2
  and 1 convolutions with 256, 128, 64, 32 channels, each entered by a 2x2x2
  stride-2 deconvolution to half the channels whose output is concatenated
  with the left stage of the same resolution. Every convolution and
  deconvolution is followed by a PReLU (one slope per channel); each stage
  adds its input to the output of its last convolution (the first stage's
  1-channel input is tiled to 16 channels by a Concat of 16 copies, as the
  authors' Caffe file does). A 1x1x1 convolution to 2 channels and a softmax
  end the net (the paper's description; the authors' later public prototxt has
  an extra 5x5x5 convolution and other stage lengths, not followed here).
  Biases everywhere, as Caffe's default.
- unet2d: the original U-Net (Ronneberger et al., "U-Net: convolutional
  networks for biomedical image segmentation", MICCAI 2015), itself a Caffe
  net. Input 1x1x572x572; two unpadded 3x3 convolutions + ReLU per level (64,
  128, 256, 512, 1024 featuremaps), 2x2 max pooling; dropout at the end of the
  contracting path (after the last two levels, identity at inference); 2x2
  stride-2 up-convolutions halving the channels, each followed by a ReLU; the
  skip path centre-cropped (Crop) and concatenated before the up-convolution's
  output; a 1x1 convolution to 2 classes and a softmax: output 1x2x388x388.

3-D pooling is written the 3-D forks' way (Pooling with repeated kernel_size
and stride), 2-D pooling BVLC Caffe's way (one kernel_size and stride), and
convolutions with a single kernel_size (Caffe's ND form).

Usage: python3 Benchmarks/zoo_prototxt.py [NAME ...]  (writes Benchmarks/nets/NAME.prototxt)
"""


class Writer:
    def __init__(self, name, input_shape):
        self.rank = len(input_shape) - 2
        self.lines = [f'name: "{name}"',
                      'layer { name: "data" type: "Input" top: "data" input_param { shape { '
                      + " ".join(f"dim: {d}" for d in input_shape) + " } } }"]

    def layer(self, name, kind, bottoms, top, params=""):
        if isinstance(bottoms, str):
            bottoms = [bottoms]
        text = f'layer {{ name: "{name}" type: "{kind}" ' + "".join(f'bottom: "{b}" ' for b in bottoms) + f'top: "{top}"'
        self.lines.append(text + (f" {params}" if params else "") + " }")
        return top

    def conv(self, name, bottom, outputs, kernel, pad=0, stride=1, bias=True, kind="Convolution"):
        fields = [f"num_output: {outputs}", f"kernel_size: {kernel}"]
        if pad:
            fields.append(f"pad: {pad}")
        if stride != 1:
            fields.append(f"stride: {stride}")
        if not bias:
            fields.append("bias_term: false")
        return self.layer(name, kind, bottom, name, "convolution_param { " + " ".join(fields) + " }")

    def deconv(self, name, bottom, outputs, kernel, stride, pad=0, bias=True):
        return self.conv(name, bottom, outputs, kernel, pad, stride, bias, kind="Deconvolution")

    def bn_scale(self, name, bottom, top=None):
        """Caffe's BatchNorm (global statistics) and its Scale with a bias; in place unless `top` is given."""
        top = top or bottom
        self.layer(f"{name}_bn", "BatchNorm", bottom, top, "batch_norm_param { use_global_stats: true }")
        self.layer(f"{name}_scale", "Scale", top, top, "scale_param { bias_term: true }")
        return top

    def relu(self, name, blob):
        return self.layer(name, "ReLU", blob, blob)

    def prelu(self, name, blob):
        return self.layer(name, "PReLU", blob, blob)

    def dropout(self, name, blob, ratio):
        return self.layer(name, "Dropout", blob, blob, f"dropout_param {{ dropout_ratio: {ratio} }}")

    def max_pool(self, name, bottom):
        # BVLC Caffe's 2-D Pooling takes one kernel_size and stride; the 3-D forks repeat them per axis.
        repeat = 1 if self.rank == 2 else self.rank
        fields = " ".join(["kernel_size: 2"] * repeat + ["stride: 2"] * repeat)
        return self.layer(name, "Pooling", bottom, name, f"pooling_param {{ pool: MAX {fields} }}")

    def concat(self, name, bottoms):
        return self.layer(name, "Concat", bottoms, name)

    def add(self, name, a, b):
        return self.layer(name, "Eltwise", [a, b], name, "eltwise_param { operation: SUM }")

    def softmax(self, name, bottom):
        return self.layer(name, "Softmax", bottom, name)

    def text(self):
        return "\n".join(self.lines) + "\n"


def dsn3d(widths=(32, 64, 128), classes=3, input_shape=(1, 1, 64, 64, 64), name="dsn3d"):
    net = Writer(name, input_shape)

    def conv_bn_relu(layer, bottom, width):
        net.conv(layer, bottom, width, 3, pad=1)
        net.bn_scale(layer, layer)
        return net.relu(f"{layer}_relu", layer)

    blob = conv_bn_relu("conv1a", "data", widths[0])
    blob = net.max_pool("pool1", blob)
    blob = conv_bn_relu("conv2a", blob, widths[1])
    conv2b = conv_bn_relu("conv2b", blob, widths[1])
    blob = net.max_pool("pool2", conv2b)
    blob = conv_bn_relu("conv3a", blob, widths[2])
    conv3b = conv_bn_relu("conv3b", blob, widths[2])
    # Deep supervision: conv2b (half resolution) up to full resolution and classified.
    aux = net.deconv("deconv_aux", conv2b, widths[0], 4, 2, pad=1, bias=False)
    net.conv("score_aux", aux, classes, 1)
    net.softmax("prob_aux", "score_aux")
    # Main stream: two deconvolutions from a quarter of the resolution.
    blob = net.deconv("deconv1", conv3b, widths[1], 4, 2, pad=1)
    blob = net.deconv("deconv2", blob, widths[0], 4, 2, pad=1)
    net.conv("score", blob, classes, 1)
    net.softmax("prob", "score")
    return net.text()


def densevoxnet(first=16, growth=12, layers=12, classes=3, input_shape=(1, 1, 64, 64, 64), name="densevoxnet"):
    net = Writer(name, input_shape)

    def dense_block(block, features, channels):
        for i in range(1, layers + 1):
            stem = f"block{block}_layer{i}"
            # Pre-activation: the block's features stay unnormalized for the concatenation.
            net.bn_scale(stem, features, top=f"{stem}_act")
            net.relu(f"{stem}_relu", f"{stem}_act")
            net.conv(f"{stem}_conv", f"{stem}_act", growth, 3, pad=1, bias=False)
            net.dropout(f"{stem}_dropout", f"{stem}_conv", 0.2)
            features = net.concat(f"{stem}_concat", [features, f"{stem}_conv"])
            channels += growth
        return features, channels

    def bn_relu_conv1(stem, bottom, outputs):
        net.bn_scale(stem, bottom, top=f"{stem}_act")
        net.relu(f"{stem}_relu", f"{stem}_act")
        return net.conv(f"{stem}_conv", f"{stem}_act", outputs, 1, bias=False)

    blob = net.conv("conv1", "data", first, 3, pad=1, stride=2, bias=False)
    blob, channels = dense_block(1, blob, first)
    blob = bn_relu_conv1("transition", blob, channels)
    net.dropout("transition_dropout", blob, 0.2)
    blob = net.max_pool("transition_pool", blob)
    blob, channels = dense_block(2, blob, channels)
    blob = bn_relu_conv1("block2_out", blob, channels)
    blob = net.relu("deconv1_relu", net.deconv("deconv1", blob, 128, 4, 2, pad=1))
    blob = net.relu("deconv2_relu", net.deconv("deconv2", blob, 64, 4, 2, pad=1))
    net.conv("score", blob, classes, 1)
    net.softmax("prob", "score")
    return net.text()


def vnet(widths=(16, 32, 64, 128, 256), left=(1, 2, 3, 3, 3), right=(3, 3, 2, 1), classes=2,
         input_shape=(1, 1, 64, 128, 128), name="vnet"):
    net = Writer(name, input_shape)

    def stage(stem, bottom, width, convolutions):
        blob = bottom
        for i in range(1, convolutions + 1):
            blob = net.prelu(f"{stem}_conv{i}_prelu", net.conv(f"{stem}_conv{i}", blob, width, 5, pad=2))
        return blob

    # Stage 1: the 1-channel input, tiled to the stage's width, is the residual.
    tiled = net.concat("input_tiled", ["data"] * widths[0])
    skips = [net.add("left1_sum", stage("left1", "data", widths[0], left[0]), tiled)]
    blob = skips[0]
    for level in range(1, len(widths)):
        down = net.conv(f"down{level}", blob, widths[level], 2, stride=2)
        net.prelu(f"down{level}_prelu", down)
        blob = net.add(f"left{level + 1}_sum", stage(f"left{level + 1}", down, widths[level], left[level]), down)
        skips.append(blob)
    skips.pop()
    for level, convolutions in zip(range(len(widths) - 1, 0, -1), right):
        width = 2 * widths[level - 1]
        up = net.deconv(f"up{level}", blob, width // 2, 2, 2)
        net.prelu(f"up{level}_prelu", up)
        merged = net.concat(f"right{level}_concat", [up, skips.pop()])
        blob = net.add(f"right{level}_sum", stage(f"right{level}", merged, width, convolutions), merged)
    net.conv("score", blob, classes, 1)
    net.softmax("prob", "score")
    return net.text()


def unet2d(widths=(64, 128, 256, 512, 1024), classes=2, input_shape=(1, 1, 572, 572), name="unet2d"):
    net = Writer(name, input_shape)
    size = input_shape[2]

    def two_convs(stem, bottom, width):
        nonlocal size
        blob = net.relu(f"{stem}_relu1", net.conv(f"{stem}_conv1", bottom, width, 3))
        blob = net.relu(f"{stem}_relu2", net.conv(f"{stem}_conv2", blob, width, 3))
        size -= 4
        return blob

    skips = []
    blob = "data"
    for level, width in enumerate(widths):
        if level:
            blob = net.max_pool(f"pool{level}", blob)
            assert size % 2 == 0, f"odd size {size} before pooling {level}"
            size //= 2
        blob = two_convs(f"down{level}", blob, width)
        if level >= len(widths) - 2:
            net.dropout(f"down{level}_dropout", blob, 0.5)
        skips.append((blob, size))
    skips.pop()
    for level in range(len(widths) - 2, -1, -1):
        up = net.relu(f"up{level}_relu", net.deconv(f"up{level}", blob, widths[level], 2, 2))
        size *= 2
        skip, skip_size = skips.pop()
        offset = (skip_size - size) // 2
        net.layer(f"crop{level}", "Crop", [skip, up], f"crop{level}", f"crop_param {{ axis: 2 offset: {offset} }}")
        blob = two_convs(f"right{level}", net.concat(f"concat{level}", [f"crop{level}", up]), widths[level])
    net.conv("score", blob, classes, 1)
    net.softmax("prob", "score")
    assert size > 0, f"input too small: output size {size}"
    return net.text()


NETS = {"dsn3d": dsn3d, "densevoxnet": densevoxnet, "vnet": vnet, "unet2d": unet2d}


if __name__ == "__main__":
    import sys
    from unet_prototxt import write_nets
    write_nets(NETS, sys.argv[1:])
