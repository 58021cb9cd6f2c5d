"""caffe_torch (../shared/bench, the PyTorch executor of Caffe semantics) extended
for the benchmark zoo, by subclassing, not copying:

- PReLU (V-Net): Caffe's `PReLU` layer, one learned slope per channel (blob
  shape (C,)), or one for all channels with prelu_param { channel_shared: true }
  (blob shape (1,)); forward is F.prelu.
- make_weights: caffe_torch.make_weights unchanged for every other layer (so a
  net without PReLU gets exactly the weights ../shared/bench/peers_bench.py
  gives it), then PReLU slopes uniform in [0.05, 0.3] from a separate seeded
  generator.
- outputs(): a net's output blobs as Caffe and pzconv see them: the blobs no
  later layer consumes, sorted by name. main_output() is the last layer's first
  top, the output the benchmark compares first (make_models.py's output.npy).

caffe_torch is imported from the directory already on sys.path, else from
$SHARED_BENCH, else from ../shared/bench beside the repository.
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

try:
    import caffe_torch
except ImportError:
    _bench = os.environ.get("SHARED_BENCH") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench")
    sys.path.insert(0, os.path.abspath(_bench))
    import caffe_torch

write_caffemodel = caffe_torch.write_caffemodel
write_caffemodel_h5 = caffe_torch.write_caffemodel_h5

PRELU_SLOPES = (0.05, 0.3)


def _channel_shared(layer):
    parameters = (layer["raw"].get("prelu_param") or [{}])[0]
    return bool((parameters.get("channel_shared") or [False])[0])


class ZooNet(caffe_torch.CaffeNet):
    """CaffeNet plus the PReLU layer."""

    def _shape(self, l, ins):
        if l["type"] == "PReLU":
            x = ins[0]
            return x, [(1,) if _channel_shared(l) else (x[1],)]
        return super()._shape(l, ins)

    def _run(self, l, xs, w):
        if l["type"] == "PReLU":
            return F.prelu(xs[0], w[0].reshape(-1))
        return super()._run(l, xs, w)

    def outputs(self):
        available = set(self.input_shapes)
        for l in self.layers:
            available -= set(l["bottom"])
            available |= set(l["top"])
        return sorted(available)

    def main_output(self):
        return self.layers[-1]["top"][0]


def make_weights(net, seed=0, **kwargs):
    weights = caffe_torch.make_weights(net, seed=seed, **kwargs)
    shapes, _ = net.param_shapes()
    rng = np.random.default_rng([seed, 0x50524C55])
    for l in net.layers:
        if l["type"] == "PReLU":
            weights[l["name"]] = [rng.uniform(*PRELU_SLOPES, shapes[l["name"]][0]).astype(np.float32)]
    return weights


def load(path):
    with open(path) as f:
        return ZooNet(f.read())


class Module(torch.nn.Module):
    """The net as a torch module (for the peers and ONNX export): the main output
    alone for a single-output net, else every output in outputs() order, so an
    exported graph keeps the side branches that pzconv computes too."""

    def __init__(self, net, weights):
        super().__init__()
        self.net = net
        self.w = {k: [torch.as_tensor(a) for a in v] for k, v in weights.items()}
        self.inp = list(net.input_shapes)[0]
        self.outs = net.outputs()

    def forward(self, x):
        blobs = self.net.forward(self.w, {self.inp: x})
        if len(self.outs) == 1:
            return blobs[self.outs[0]]
        return tuple(blobs[name] for name in self.outs)


def seeded_input(net):
    """The peers' input patch: torch.randn with generator seed 1 (as peers_bench.py)."""
    shape = list(net.input_shapes.values())[0]
    return torch.randn(*shape, generator=torch.Generator().manual_seed(1))
