"""A channels_last Keras 3-D U-Net of the kind medical-imaging repositories
publish for BraTS (brain tumour, four MR modalities in, four classes out),
built with real Keras and saved the way those repositories save it, for the
benchmark zoo (Benchmarks/run.sh, net `keras_unet3d`).

The net: input (None, 96, 96, 96, 4), channels_last; four resolution levels
("depth 4": 96, 48, 24, 12 voxels) with 16, 32, 64, 128 filters; per level two
Conv3D 3x3x3 padding="same" (with a bias, Keras' default), each followed by
BatchNormalization (epsilon 1e-3, Keras' default) and a ReLU; MaxPooling3D 2x2x2
down; Conv3DTranspose(filters, 2, strides=2) up, Concatenate(axis=-1) of the
skip and the up-sampled features, then the level's two convolutions; a final
Conv3D 1x1x1 with 4 filters and activation="softmax" (over the last axis,
the channels).

Weights are seeded (numpy, seed 0): He-normal kernels, biases N(0, 0.05), and
every BatchNormalization gets non-trivial gamma, beta, moving mean and moving
variance, so no layer is an identity by accident.

Writes into the work directory given on the command line:
    model.h5     model.save(...) in the legacy HDF5 full-model format
    input.npy    the input patch, NDHWC, batch 1 (numpy, seed 1)
    output.npy   Keras' own model.predict on it (NDHWC): the oracle
    model.onnx   the same function in NCDHW for ONNX Runtime and OpenVINO: the
                 equivalent PyTorch module (UNet3D in _torch_classes, weights
                 read from model.h5 with h5py) checked against Keras' predict, then
                 torch.onnx.export, opset 17

Keras runs on the backend KERAS_BACKEND names (torch when unset, as the
benchmark's venv has torch; tensorflow works as well). The PyTorch module part
(torch_model_from_h5) needs torch and h5py only, not Keras: the peers
script (peers_zoo.py) rebuilds the module from model.h5 with it.

Usage: python Benchmarks/keras_unet3d.py --work DIR [--threads 2]
"""
import argparse
import os
import sys

import numpy as np

INPUT_SHAPE = (96, 96, 96, 4)
FILTERS = (16, 32, 64, 128)
CLASSES = 4
TOLERANCE = 1e-5


def conv_names(stem):
    return [(f"{stem}_conv{i}", f"{stem}_bn{i}", f"{stem}_relu{i}") for i in (1, 2)]


def build_keras(keras):
    L = keras.layers
    x = keras.Input(INPUT_SHAPE, name="mri")

    def block(blob, stem, filters):
        for conv, bn, relu in conv_names(stem):
            blob = L.Conv3D(filters, 3, padding="same", name=conv)(blob)
            blob = L.BatchNormalization(name=bn)(blob)
            blob = L.Activation("relu", name=relu)(blob)
        return blob

    skips = []
    blob = x
    for level, filters in enumerate(FILTERS):
        if level:
            blob = L.MaxPooling3D(2, name=f"pool{level}")(blob)
        blob = block(blob, f"enc{level + 1}", filters)
        skips.append(blob)
    skips.pop()
    for level in range(len(FILTERS) - 2, -1, -1):
        up = L.Conv3DTranspose(FILTERS[level], 2, strides=2, name=f"up{level + 1}")(blob)
        blob = L.Concatenate(axis=-1, name=f"merge{level + 1}")([skips.pop(), up])
        blob = block(blob, f"dec{level + 1}", FILTERS[level])
    y = L.Conv3D(CLASSES, 1, activation="softmax", name="segmentation")(blob)
    return keras.Model(x, y, name="unet3d_brats")


def seed_weights(model, seed=0):
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        kind = type(layer).__name__
        if kind == "BatchNormalization":
            c = weights[0].shape[0]
            new = [rng.uniform(0.8, 1.2, c), rng.normal(0, 0.1, c), rng.normal(0, 0.1, c), rng.uniform(0.5, 1.5, c)]
        else:
            kernel = weights[0]
            # Conv3D kernels are (kd, kh, kw, in, out), Conv3DTranspose ones (kd, kh, kw, out, in).
            fan_in = int(np.prod(kernel.shape[:3])) * (kernel.shape[3] if kind == "Conv3D" else kernel.shape[4])
            new = [rng.normal(0, np.sqrt(2.0 / fan_in), kernel.shape), rng.normal(0, 0.05, weights[1].shape)]
        layer.set_weights([w.astype(np.float32) for w in new])


# --------------------------------------------------------------------------
# The same function in PyTorch, NCDHW (no Keras needed).
# --------------------------------------------------------------------------

def torch_model_from_h5(path):
    """UNet3D with the weights of a model.h5 written by this script."""
    import h5py
    import torch

    model = _torch_classes()()
    with h5py.File(path, "r") as f:
        root = f["model_weights"]

        def weights(layer):
            group = root[layer]
            return [np.asarray(group[name]) for name in group.attrs["weight_names"]]

        state = {}
        for module_name, module in model.named_modules():
            if isinstance(module, (torch.nn.Conv3d, torch.nn.ConvTranspose3d)):
                kernel, bias = weights(module_name.replace(".", "_"))
                # Keras (kd, kh, kw, a, b) -> torch (b, a, kd, kh, kw): Conv3d wants (out, in, ...) from
                # Keras' (…, in, out), ConvTranspose3d wants (in, out, ...) from Keras' (…, out, in).
                state[f"{module_name}.weight"] = torch.from_numpy(kernel.transpose(4, 3, 0, 1, 2).copy())
                state[f"{module_name}.bias"] = torch.from_numpy(bias)
            elif isinstance(module, torch.nn.BatchNorm3d):
                gamma, beta, mean, variance = weights(module_name.replace(".", "_"))
                for key, value in (("weight", gamma), ("bias", beta), ("running_mean", mean),
                                   ("running_var", variance)):
                    state[f"{module_name}.{key}"] = torch.from_numpy(value)
        missing, unexpected = model.load_state_dict(state, strict=False)
        missing = [k for k in missing if not k.endswith("num_batches_tracked")]
        assert not missing and not unexpected, (missing, unexpected)
    return model.eval()


def _torch_classes():
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self, stem, inputs, filters):
            super().__init__()
            self.names = conv_names(stem)
            for i, (conv, bn, _) in enumerate(self.names):
                setattr(self, conv.split("_", 1)[1], nn.Conv3d(inputs if i == 0 else filters, filters, 3, padding=1))
                setattr(self, bn.split("_", 1)[1], nn.BatchNorm3d(filters, eps=1e-3))

        def forward(self, x):
            for conv, bn, _ in self.names:
                x = torch.relu(getattr(self, bn.split("_", 1)[1])(getattr(self, conv.split("_", 1)[1])(x)))
            return x

    class UNet3D(nn.Module):
        """Module names follow the Keras layer names (enc1.conv1 <-> enc1_conv1)."""

        def __init__(self):
            super().__init__()
            inputs = INPUT_SHAPE[-1]
            for level, filters in enumerate(FILTERS):
                setattr(self, f"enc{level + 1}", Block(f"enc{level + 1}", inputs, filters))
                inputs = filters
            for level in range(len(FILTERS) - 2, -1, -1):
                setattr(self, f"up{level + 1}", nn.ConvTranspose3d(FILTERS[level + 1], FILTERS[level], 2, stride=2))
                setattr(self, f"dec{level + 1}", Block(f"dec{level + 1}", 2 * FILTERS[level], FILTERS[level]))
            self.segmentation = nn.Conv3d(FILTERS[0], CLASSES, 1)

        def forward(self, x):
            skips = []
            for level in range(len(FILTERS)):
                if level:
                    x = torch.nn.functional.max_pool3d(x, 2)
                x = getattr(self, f"enc{level + 1}")(x)
                skips.append(x)
            skips.pop()
            for level in range(len(FILTERS) - 2, -1, -1):
                up = getattr(self, f"up{level + 1}")(x)
                x = getattr(self, f"dec{level + 1}")(torch.cat([skips.pop(), up], dim=1))
            return torch.softmax(self.segmentation(x), dim=1)

    return UNet3D


def export_onnx(model, x, path):
    import torch
    with torch.no_grad():
        torch.onnx.export(model, (x,), path, input_names=["input"], output_names=["output"], opset_version=17,
                          dynamo=False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("KERAS_BACKEND", "torch")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import torch
    torch.set_num_threads(args.threads)
    import keras

    os.makedirs(args.work, exist_ok=True)
    keras.utils.set_random_seed(0)
    model = build_keras(keras)
    seed_weights(model)
    x = np.random.default_rng(1).standard_normal((1, *INPUT_SHAPE)).astype(np.float32)
    y = np.asarray(model.predict(x, batch_size=1, verbose=0), dtype=np.float32)
    path = os.path.join(args.work, "model.h5")
    model.save(path)
    np.save(os.path.join(args.work, "input.npy"), x)
    np.save(os.path.join(args.work, "output.npy"), y)

    module = torch_model_from_h5(path)
    xt = torch.from_numpy(x.transpose(0, 4, 1, 2, 3).copy())
    with torch.no_grad():
        yt = module(xt).numpy().transpose(0, 2, 3, 4, 1)
    error = float(np.abs(yt - y).max())
    print(f"keras_unet3d: Keras {keras.__version__} ({keras.backend.backend()}), {model.count_params()} parameters, "
          f"input {list(x.shape)} NDHWC, output {list(y.shape)}; PyTorch module vs Keras predict: max abs error "
          f"{error:.2e}")
    if error > TOLERANCE:
        sys.exit(f"keras_unet3d: the PyTorch module differs from Keras by {error:.2e} (> {TOLERANCE})")
    export_onnx(module, xt, os.path.join(args.work, "model.onnx"))
    print(f"keras_unet3d: wrote {path}, input.npy, output.npy and model.onnx in {args.work}")


if __name__ == "__main__":
    main()
