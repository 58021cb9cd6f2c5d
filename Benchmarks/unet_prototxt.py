"""Caffe prototxts of the three 3-D U-Nets of the PZnet paper (section 4.2):

- Residual (Lee et al. 2017, the SNEMI3D net): featuremaps 28, 36, 48, 64, 80;
  each level is a residual module, conv 1x3x3 -> conv 3x3x3 -> conv 3x3x3 with a
  sum from the first conv's output to the third's; BatchNorm + Scale + ELU after
  every convolution (after the sum for the third); 1x2x2 max pooling down,
  1x2x2 strided deconvolution (also followed by BN + Scale + ELU) up, joined
  with the skip path by a sum; a 1x1x1 convolution and a sigmoid at the end.
- Symmetric: padded ("same") convolutions, two 3x3x3 per level, half the
  Original's featuremaps (32, 64, 128, 256), sums instead of merging.
- Original (Cicek et al. 2016): unpadded convolutions, 64 featuremaps on the
  first level doubling on each, crop + concat merging.

All nets take 1 input channel and write 3 outputs (affinity maps) through a
sigmoid, use BN + Scale + ELU after each convolution as the paper's evaluation
does, and pool 1x2x2 (EM volumes are anisotropic). Pooling is written the 3-D
forks' way: repeated kernel_size / stride in pooling_param.

Usage: python3 Benchmarks/unet_prototxt.py [NAME ...]  (writes Benchmarks/nets/NAME.prototxt)
"""


class Net:
    def __init__(self, name, input_shape):
        self.lines = [f'name: "{name}"',
                      'layer { name: "data" type: "Input" top: "data" input_param { shape { '
                      + " ".join(f"dim: {d}" for d in input_shape) + " } } }"]
        self.count = 0

    def fresh(self, stem):
        self.count += 1
        return f"{stem}{self.count}"

    def conv(self, bottom, outputs, kernel, pad, stem="conv", bias=False):
        name = self.fresh(stem)
        ks = " ".join(f"kernel_size: {k}" for k in kernel)
        ps = " ".join(f"pad: {p}" for p in pad)
        bias_term = "" if bias else " bias_term: false"
        self.lines.append(f'layer {{ name: "{name}" type: "Convolution" bottom: "{bottom}" top: "{name}" '
                          f"convolution_param {{ num_output: {outputs} {ks} {ps}{bias_term} }} }}")
        return name

    def deconv(self, bottom, outputs):
        name = self.fresh("up")
        self.lines.append(f'layer {{ name: "{name}" type: "Deconvolution" bottom: "{bottom}" top: "{name}" '
                          "convolution_param { num_output: %d kernel_size: 1 kernel_size: 2 kernel_size: 2 "
                          "stride: 1 stride: 2 stride: 2 bias_term: false } }" % outputs)
        return name

    def bn_scale_elu(self, blob):
        n = self.fresh("bn")
        self.lines.append(f'layer {{ name: "{n}" type: "BatchNorm" bottom: "{blob}" top: "{blob}" '
                          "batch_norm_param { use_global_stats: true } }")
        self.lines.append(f'layer {{ name: "{n}_scale" type: "Scale" bottom: "{blob}" top: "{blob}" '
                          "scale_param { bias_term: true } }")
        self.lines.append(f'layer {{ name: "{n}_elu" type: "ELU" bottom: "{blob}" top: "{blob}" }}')
        return blob

    def sum(self, a, b):
        name = self.fresh("sum")
        self.lines.append(f'layer {{ name: "{name}" type: "Eltwise" bottom: "{a}" bottom: "{b}" top: "{name}" '
                          "eltwise_param { operation: SUM } }")
        return name

    def pool(self, bottom):
        name = self.fresh("pool")
        self.lines.append(f'layer {{ name: "{name}" type: "Pooling" bottom: "{bottom}" top: "{name}" '
                          "pooling_param { pool: MAX kernel_size: 1 kernel_size: 2 kernel_size: 2 "
                          "stride: 1 stride: 2 stride: 2 } }")
        return name

    def concat(self, a, b):
        name = self.fresh("merge")
        self.lines.append(f'layer {{ name: "{name}" type: "Concat" bottom: "{a}" bottom: "{b}" top: "{name}" }}')
        return name

    def head(self, bottom, outputs=3):
        name = self.conv(bottom, outputs, [1, 1, 1], [0, 0, 0], stem="output", bias=True)
        self.lines.append(f'layer {{ name: "affinity" type: "Sigmoid" bottom: "{name}" top: "affinity" }}')
        return "affinity"

    def text(self):
        return "\n".join(self.lines) + "\n"


def padded_unet(net, widths, block):
    """The U shape of the padded nets: `block` per level, 1x2x2 pooling down,
    deconvolution + BN + Scale + ELU up, summed with the skip path."""
    skips = []
    blob = "data"
    for level, width in enumerate(widths):
        blob = block(blob, width)
        if level < len(widths) - 1:
            skips.append(blob)
            blob = net.pool(blob)
    for width, skip in zip(reversed(widths[:-1]), reversed(skips)):
        up = net.bn_scale_elu(net.deconv(blob, width))
        blob = block(net.sum(up, skip), width)
    net.head(blob)
    return net.text()


def residual(widths=(28, 36, 48, 64, 80), input_shape=(1, 1, 18, 192, 192), name="residual_unet3d"):
    net = Net(name, input_shape)

    def module(bottom, width):
        first = net.bn_scale_elu(net.conv(bottom, width, [1, 3, 3], [0, 1, 1]))
        second = net.bn_scale_elu(net.conv(first, width, [3, 3, 3], [1, 1, 1]))
        third = net.conv(second, width, [3, 3, 3], [1, 1, 1])
        return net.bn_scale_elu(net.sum(first, third))

    return padded_unet(net, widths, module)


def symmetric(widths=(32, 64, 128, 256), input_shape=(1, 1, 18, 192, 192), name="symmetric_unet3d"):
    net = Net(name, input_shape)

    def block(bottom, width):
        blob = net.bn_scale_elu(net.conv(bottom, width, [3, 3, 3], [1, 1, 1]))
        return net.bn_scale_elu(net.conv(blob, width, [3, 3, 3], [1, 1, 1]))

    return padded_unet(net, widths, block)


def original(widths=(64, 128, 256, 512), input_shape=(1, 1, 20, 132, 132), name="original_unet3d"):
    """Unpadded 1x3x3 then 3x3x3 convolutions per block (the anisotropic EM form
    of the 3-D U-Net), the skip path centre-cropped and concatenated."""
    net = Net(name, input_shape)
    size = list(input_shape[2:])

    def block(bottom, width):
        blob = net.bn_scale_elu(net.conv(bottom, width, [1, 3, 3], [0, 0, 0]))
        size[1] -= 2
        size[2] -= 2
        blob = net.bn_scale_elu(net.conv(blob, width, [3, 3, 3], [0, 0, 0]))
        size[0] -= 2
        size[1] -= 2
        size[2] -= 2
        return blob

    skips = []
    blob = "data"
    for level, width in enumerate(widths):
        blob = block(blob, width)
        if level < len(widths) - 1:
            skips.append((blob, list(size)))
            blob = net.pool(blob)
            size[1] = -(-size[1] // 2)
            size[2] = -(-size[2] // 2)
    for width, (skip, skip_size) in zip(reversed(widths[:-1]), reversed(skips)):
        up = net.bn_scale_elu(net.deconv(blob, width))
        size[1] *= 2
        size[2] *= 2
        offsets = [(s - u) // 2 for s, u in zip(skip_size, size)]
        assert all(o >= 0 for o in offsets), f"input too small: skip {skip_size} vs up {size}"
        crop = net.fresh("crop")
        net.lines.append(f'layer {{ name: "{crop}" type: "Crop" bottom: "{skip}" bottom: "{up}" top: "{crop}" '
                         "crop_param { axis: 2 " + " ".join(f"offset: {o}" for o in offsets) + " } }")
        blob = block(net.concat(up, crop), width)
    net.head(blob)
    return net.text()


NETS = {"residual_unet3d": residual, "symmetric_unet3d": symmetric, "original_unet3d": original}


def write_nets(nets, names):
    """Writes Benchmarks/nets/NAME.prototxt for each name (all of `nets` when none)."""
    import os
    directory = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nets")
    os.makedirs(directory, exist_ok=True)
    for name in names or nets:
        with open(os.path.join(directory, f"{name}.prototxt"), "w") as f:
            f.write(nets[name]())
        print(f"wrote Benchmarks/nets/{name}.prototxt")


if __name__ == "__main__":
    import sys
    write_nets(NETS, sys.argv[1:])
