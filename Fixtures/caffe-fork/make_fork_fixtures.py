"""Makes the Caffe fixtures that real BVLC Caffe cannot produce here, with their
golden outputs.

Golden outputs come from ../shared/bench/caffe_torch.py, which executes Caffe
semantics in PyTorch and agrees with real Caffe to 7e-7 on the real-Caffe
fixtures. MergeCrop (naibaf7/OpenCL Caffe only) is added below in NumPy from the
fork's kernel: crop the second input centred to the first's spatial size
(offset (b - a) // 2), then stack channels (first input first) or add.

Each fixture directory gets net.prototxt, net.caffemodel (binary protobuf,
written with our own caffe.proto compiled by grpc_tools.protoc) and, where HDF5
can hold the names, net.caffemodel.h5; Golden/caffe-fork/<name>/ gets input.npy
and output.<blob>.npy for every net output.

Usage (from the repository root, in a venv with torch numpy h5py protobuf grpcio-tools):
    python Fixtures/caffe-fork/make_fork_fixtures.py [--bench ../shared/bench] [--only NAME ...]
"""
import argparse
import importlib
import os
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "Fixtures", "caffe-fork")
GOLDEN = os.path.join(ROOT, "Golden", "caffe-fork")

NETS = {}

# A small anisotropic 3-D U-Net in the 3-D forks' dialect: ND max pooling written
# with repeated kernel_size/stride in pooling_param, a PoolingND average pooling
# with padding (Caffe's ceil rounding and padded divisor in 3-D), BN + Scale + ELU,
# deconvolution up-sampling, concat skip, softmax.
NETS["unet3d_nd_pooling"] = """
name: "unet3d_nd_pooling"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 2 dim: 5 dim: 14 dim: 14 } } }
layer { name: "c1" type: "Convolution" bottom: "data" top: "c1"
  convolution_param { num_output: 6 kernel_size: 1 kernel_size: 3 kernel_size: 3 pad: 0 pad: 1 pad: 1 } }
layer { name: "e1" type: "ELU" bottom: "c1" top: "c1" elu_param { alpha: 0.5 } }
layer { name: "pool1" type: "Pooling" bottom: "c1" top: "pool1"
  pooling_param { pool: MAX kernel_size: 1 kernel_size: 2 kernel_size: 2 stride: 1 stride: 2 stride: 2 } }
layer { name: "c2" type: "Convolution" bottom: "pool1" top: "c2"
  convolution_param { num_output: 8 kernel_size: 3 pad: 1 bias_term: false } }
layer { name: "bn2" type: "BatchNorm" bottom: "c2" top: "c2" batch_norm_param { use_global_stats: true } }
layer { name: "sc2" type: "Scale" bottom: "c2" top: "c2" scale_param { bias_term: true } }
layer { name: "r2" type: "ReLU" bottom: "c2" top: "c2" }
layer { name: "avg" type: "PoolingND" bottom: "c2" top: "avg"
  pooling_nd_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } }
layer { name: "up" type: "Deconvolution" bottom: "c2" top: "up"
  convolution_param { num_output: 6 kernel_size: 1 kernel_size: 2 kernel_size: 2 stride: 1 stride: 2 stride: 2 } }
layer { name: "cat" type: "Concat" bottom: "c1" bottom: "up" top: "cat" }
layer { name: "c3" type: "Convolution" bottom: "cat" top: "c3" convolution_param { num_output: 3 kernel_size: 1 } }
layer { name: "prob" type: "Softmax" bottom: "c3" top: "prob" }
"""

# Valid (unpadded) convolutions shrink the deep path; MergeCrop crops the skip
# path back to it (STACK), then adds (ADD) after a 1x1 conv.
NETS["mergecrop"] = """
name: "mergecrop"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 6 dim: 12 dim: 12 } } }
layer { name: "skip" type: "Convolution" bottom: "data" top: "skip" convolution_param { num_output: 4 kernel_size: 1 } }
layer { name: "deep" type: "Convolution" bottom: "skip" top: "deep"
  convolution_param { num_output: 4 kernel_size: 1 kernel_size: 3 kernel_size: 3 } }
layer { name: "deep2" type: "Convolution" bottom: "deep" top: "deep2" convolution_param { num_output: 4 kernel_size: 3 } }
layer { name: "merge" type: "MergeCrop" bottom: "deep2" bottom: "skip" top: "merge" }
layer { name: "mix" type: "Convolution" bottom: "merge" top: "mix" convolution_param { num_output: 4 kernel_size: 1 } }
layer { name: "add" type: "MergeCrop" bottom: "mix" bottom: "deep" top: "out" mergecrop_param { operation: ADD } }
"""

# BatchNorm whose moving-average factor is 0 (Caffe then uses mean = var = 0),
# an explicit Split, Dropout, a TRAIN-only layer that deploy must drop, leaky
# ReLU, TanH and Sigmoid.
NETS["bn_zero_factor_split"] = """
name: "bn_zero_factor_split"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 4 dim: 7 dim: 7 } } }
layer { name: "c1" type: "Convolution" bottom: "data" top: "c1" convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }
layer { name: "bn" type: "BatchNorm" bottom: "c1" top: "bn" batch_norm_param { eps: 0.01 } }
layer { name: "noise" type: "Dropout" bottom: "bn" top: "bn" include { phase: TRAIN } dropout_param { dropout_ratio: 0.9 } }
layer { name: "split" type: "Split" bottom: "bn" top: "a" top: "b" }
layer { name: "drop" type: "Dropout" bottom: "a" top: "a" dropout_param { dropout_ratio: 0.3 } }
layer { name: "leaky" type: "ReLU" bottom: "a" top: "a" relu_param { negative_slope: 0.2 } }
layer { name: "t" type: "TanH" bottom: "b" top: "t" }
layer { name: "sum" type: "Eltwise" bottom: "a" bottom: "t" top: "sum" eltwise_param { operation: SUM coeff: 2 coeff: -1 } }
layer { name: "sig" type: "Sigmoid" bottom: "sum" top: "out" }
"""

# A 2-D net whose caffemodel stores blobs the legacy way (4-D num/channels/
# height/width shapes, double_data) and carries the training net's extra layers
# (Data, auto-inserted Split, SoftmaxWithLoss).
NETS["legacy_blobs"] = """
name: "legacy_blobs"
input: "data"
input_shape { dim: 1 dim: 2 dim: 9 dim: 9 }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1" convolution_param { num_output: 3 kernel_size: 3 } }
layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" }
layer { name: "scale1" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true } }
layer { name: "pool" type: "Pooling" bottom: "conv1" top: "pool" pooling_param { pool: AVE kernel_size: 2 stride: 2 } }
layer { name: "conv2" type: "Convolution" bottom: "pool" top: "out" convolution_param { num_output: 2 kernel_size: 1 } }
"""


# The layers real 3-D segmentation nets bring beyond the U-Nets: transposed
# convolutions whose kernel is not their stride (kernel 4 stride 2 pad 1 as in
# DSN and DenseVoxNet; a stride-1 1x5x5 score layer; dilated; grouped), PReLU
# (per channel and shared, as V-Net), the pre-activation BatchNorm -> Scale ->
# ReLU after a Concat (DenseNets), a depthwise and a grouped convolution. PReLU
# is computed by torch.nn.functional.prelu (Caffe: max(0, x) + a * min(0, x)).
NETS["real_net_layers"] = """
name: "real_net_layers"
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 3 dim: 4 dim: 6 dim: 7 } } }
layer { name: "c1" type: "Convolution" bottom: "data" top: "c1" convolution_param { num_output: 12 kernel_size: 3 pad: 1 } }
layer { name: "p1" type: "PReLU" bottom: "c1" top: "c1" }
layer { name: "up4" type: "Deconvolution" bottom: "c1" top: "up4"
  convolution_param { num_output: 10 kernel_size: 4 stride: 2 pad: 1 } }
layer { name: "p2" type: "PReLU" bottom: "up4" top: "up4" prelu_param { channel_shared: true } }
layer { name: "score" type: "Deconvolution" bottom: "up4" top: "score"
  convolution_param { num_output: 6 kernel_size: 1 kernel_size: 5 kernel_size: 5 stride: 1 pad: 0 pad: 2 pad: 2 } }
layer { name: "dil" type: "Deconvolution" bottom: "c1" top: "dil"
  convolution_param { num_output: 6 kernel_size: 3 stride: 2 pad: 2 dilation: 2 } }
layer { name: "grp" type: "Deconvolution" bottom: "c1" top: "grp"
  convolution_param { num_output: 6 kernel_size: 2 stride: 2 group: 3 } }
layer { name: "cat" type: "Concat" bottom: "score" bottom: "grp" top: "cat" }
layer { name: "bn" type: "BatchNorm" bottom: "cat" top: "bn" }
layer { name: "sc" type: "Scale" bottom: "bn" top: "bn" scale_param { bias_term: true } }
layer { name: "relu" type: "ReLU" bottom: "bn" top: "bn" }
layer { name: "dw" type: "Convolution" bottom: "bn" top: "dw" convolution_param { num_output: 12 kernel_size: 3 pad: 1 group: 12 } }
layer { name: "gc" type: "Convolution" bottom: "dw" top: "gc" convolution_param { num_output: 6 kernel_size: 1 group: 3 } }
layer { name: "cat2" type: "Concat" bottom: "cat" bottom: "gc" top: "cat2" }
layer { name: "prob" type: "Softmax" bottom: "cat2" top: "prob" }
"""


def paper_residual_unet():
    """The PZnet paper's Residual 3-D U-Net (section 4.2; Benchmarks/unet_prototxt.py)
    at a test size: three levels of 4, 6 and 8 featuremaps."""
    sys.path.insert(0, os.path.join(ROOT, "Benchmarks"))
    import unet_prototxt
    return unet_prototxt.residual(widths=(4, 6, 8), input_shape=(1, 1, 5, 16, 16), name="residual_unet3d")


def load_bench(path):
    sys.path.insert(0, path)
    return importlib.import_module("caffe_torch")


def compile_proto():
    from grpc_tools import protoc
    out = tempfile.mkdtemp()
    proto_dir = os.path.join(ROOT, "Sources", "CCaffeProto", "proto")
    assert protoc.main(["protoc", f"-I{proto_dir}", f"--python_out={out}", "caffe.proto"]) == 0
    sys.path.insert(0, out)
    return importlib.import_module("caffe_pb2")


def merge_crop(a, b, add):
    offs = [(b.shape[i] - a.shape[i]) // 2 for i in range(2, a.ndim)]
    crop = b[(slice(None), slice(None)) + tuple(slice(o, o + a.shape[i + 2]) for i, o in enumerate(offs))]
    return a + crop if add else np.concatenate([a, crop], axis=1)


def with_mergecrop(ct):
    import torch

    class Net(ct.CaffeNet):
        def _shape(self, l, ins):
            if l["type"] == "PReLU":
                shared = ct._first(ct._first(l["raw"], "prelu_param", {}), "channel_shared", False)
                return ins[0], [(1,) if shared else (ins[0][1],)]
            if l["type"] == "MergeCrop":
                add = ct._first(ct._first(l["raw"], "mergecrop_param", {}), "operation", "STACK") == "ADD"
                out = list(ins[0])
                if not add:
                    out[1] += ins[1][1]
                return tuple(out), []
            return super()._shape(l, ins)

        def _run(self, l, xs, w):
            if l["type"] == "PReLU":
                return torch.nn.functional.prelu(xs[0], w[0])
            if l["type"] == "MergeCrop":
                add = ct._first(ct._first(l["raw"], "mergecrop_param", {}), "operation", "STACK") == "ADD"
                return torch.as_tensor(merge_crop(xs[0].numpy(), xs[1].numpy(), add))
            return super()._run(l, xs, w)

    return Net


def blob_proto(pb2, array, legacy=False, double=False):
    b = pb2.BlobProto()
    if legacy:
        shape = [1] * (4 - array.ndim) + list(array.shape)
        b.num, b.channels, b.height, b.width = shape
    else:
        b.shape.dim.extend(array.shape)
    if double:
        b.double_data.extend(array.astype(np.float64).reshape(-1).tolist())
    else:
        b.data.extend(array.reshape(-1).tolist())
    return b


def write_caffemodel(pb2, net, weights, path, legacy=False, extra_training_layers=False):
    model = pb2.NetParameter()
    model.name = "trained"
    if extra_training_layers:
        data = model.layer.add()
        data.name, data.type = "data", "Data"
        data.top.extend(["data", "label"])
    for index, layer in enumerate(net.layers):
        if layer["name"] not in weights:
            continue
        lp = model.layer.add()
        lp.name = (layer["raw"].get("name") or [""])[0]
        lp.type = layer["type"]
        lp.bottom.extend(layer["bottom"])
        lp.top.extend(layer["top"])
        for i, array in enumerate(weights[layer["name"]]):
            lp.blobs.append(blob_proto(pb2, array, legacy=legacy and i == 0, double=legacy and i == 1))
        if extra_training_layers and index == 1:
            split = model.layer.add()
            split.name, split.type = "conv1_conv1_0_split", "Split"
            split.bottom.append("conv1")
            split.top.extend(["conv1_conv1_0_split_0", "conv1_conv1_0_split_1"])
    if extra_training_layers:
        loss = model.layer.add()
        loss.name, loss.type = "loss", "SoftmaxWithLoss"
        loss.bottom.extend(["out", "label"])
        loss.top.append("loss")
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", default=os.path.join(ROOT, "..", "shared", "bench"))
    parser.add_argument("--only", nargs="*", help="make only these fixtures (the others keep their files)")
    args = parser.parse_args()
    ct = load_bench(args.bench)
    pb2 = compile_proto()
    NETS["residual_unet3d"] = paper_residual_unet()
    import torch
    NetClass = with_mergecrop(ct)
    for seed, (name, text) in enumerate(NETS.items()):
        if args.only and name not in args.only:
            continue
        net = NetClass(text)
        factor = 0.0 if name == "bn_zero_factor_split" else 999.982
        weights = ct.make_weights(net, seed=seed, bn_factor=factor)
        slopes = np.random.default_rng(200 + seed)
        for layer in net.layers:  # PReLU slopes (caffe_torch's make_weights knows no PReLU)
            if layer["type"] == "PReLU":
                shape = net.param_shapes()[0][layer["name"]][0]
                weights[layer["name"]] = [slopes.uniform(-0.3, 0.4, shape).astype(np.float32)]
        for layer in net.layers:  # a real Scale has non-trivial bias; make BN stats non-trivial too
            if layer["type"] == "BatchNorm" and factor == 0.0:
                weights[layer["name"]][0][:] = np.linspace(-3, 3, len(weights[layer["name"]][0]))
                weights[layer["name"]][1][:] = np.linspace(0.5, 2, len(weights[layer["name"]][1]))
        shape = list(net.input_shapes.values())[0]
        x = np.random.default_rng(100 + seed).standard_normal(shape).astype(np.float32)
        blobs = net.forward(weights, {list(net.input_shapes)[0]: torch.as_tensor(x)})
        consumed = {b for l in net.layers for b in l["bottom"]}
        produced = [t for l in net.layers for t in l["top"]]
        outputs = sorted({t for t in produced if t not in consumed})
        fixture = os.path.join(FIXTURES, name)
        golden = os.path.join(GOLDEN, name)
        os.makedirs(fixture, exist_ok=True)
        os.makedirs(golden, exist_ok=True)
        with open(os.path.join(fixture, "net.prototxt"), "w") as f:
            f.write(text.lstrip())
        legacy = name == "legacy_blobs"
        write_caffemodel(pb2, net, weights, os.path.join(fixture, "net.caffemodel"), legacy=legacy,
                         extra_training_layers=legacy)
        ct.write_caffemodel_h5(weights, os.path.join(fixture, "net.caffemodel.h5"))
        np.save(os.path.join(golden, "input.npy"), x)
        for blob in outputs:
            np.save(os.path.join(golden, f"output.{blob}.npy"), blobs[blob].numpy().astype(np.float32))
        print(name, "outputs", outputs)

    if args.only and "v1_binary" not in args.only:
        return
    # A V1 *binary* caffemodel (NetParameter.layers, enum types, blobs at field 6)
    # holding the weights real Caffe wrote for the v1_legacy fixture, so its golden
    # output is real Caffe's.
    real = pb2.NetParameter()
    with open(os.path.join(ROOT, "Fixtures", "caffe", "v1_legacy", "net.caffemodel"), "rb") as f:
        real.ParseFromString(f.read())
    v1 = pb2.NetParameter()
    v1.name = real.name
    enum = pb2.V1LayerParameter.LayerType
    v1_names = {"Convolution": "CONVOLUTION", "Deconvolution": "DECONVOLUTION", "ReLU": "RELU",
                "Pooling": "POOLING", "Sigmoid": "SIGMOID"}
    for layer in real.layer:
        if layer.type not in v1_names:
            continue  # the Input layer Caffe's upgrade added; V1 nets have none
        lp = v1.layers.add()
        lp.name = layer.name
        lp.type = enum.Value(v1_names[layer.type])
        lp.bottom.extend(layer.bottom)
        lp.top.extend(layer.top)
        lp.blobs.extend(layer.blobs)
    fixture = os.path.join(FIXTURES, "v1_binary")
    os.makedirs(fixture, exist_ok=True)
    with open(os.path.join(ROOT, "Fixtures", "caffe", "v1_legacy", "net.prototxt")) as f:
        prototxt = f.read()
    with open(os.path.join(fixture, "net.prototxt"), "w") as f:
        f.write(prototxt)
    with open(os.path.join(fixture, "net.caffemodel"), "wb") as f:
        f.write(v1.SerializeToString())
    golden = os.path.join(GOLDEN, "v1_binary")
    os.makedirs(golden, exist_ok=True)
    for name in ("input.npy", "output.out.npy"):
        with open(os.path.join(ROOT, "Golden", "caffe", "v1_legacy", name), "rb") as src:
            with open(os.path.join(golden, name), "wb") as dst:
                dst.write(src.read())
    print("v1_binary from real Caffe weights of v1_legacy")


if __name__ == "__main__":
    main()
