"""Weights, an input patch and PyTorch's output for the benchmark nets.

For each net of Benchmarks/nets/: weights from caffe_torch.make_weights (seed 0,
the same weights ../shared/bench/peers_bench.py gives the peers), written as a
.caffemodel.h5; the peers' input patch (torch.randn, generator seed 1); and the
output of caffe_torch's PyTorch execution of the net (Caffe semantics, checked
against real Caffe to 7e-7), the reference for pzconv's full-size output.

Usage: python Benchmarks/make_models.py --bench ../shared/bench --work DIR NAME [NAME ...]
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", required=True, help="directory of caffe_torch.py")
    parser.add_argument("--work", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("nets", nargs="+")
    args = parser.parse_args()
    sys.path.insert(0, os.path.abspath(args.bench))
    import torch
    from caffe_torch import CaffeNet, make_weights, write_caffemodel_h5

    torch.set_num_threads(args.threads)
    os.makedirs(args.work, exist_ok=True)
    for name in args.nets:
        prefix = os.path.join(args.work, name)
        if os.path.exists(prefix + ".output.npy"):
            print(f"{name}: weights, input and PyTorch output already in {args.work}")
            continue
        net = CaffeNet(open(os.path.join(HERE, "nets", name + ".prototxt")).read())
        weights = make_weights(net, seed=0)
        write_caffemodel_h5(weights, prefix + ".caffemodel.h5")
        shape = list(net.input_shapes.values())[0]
        x = torch.randn(*shape, generator=torch.Generator().manual_seed(1))
        tensors = {k: [torch.as_tensor(a) for a in v] for k, v in weights.items()}
        with torch.no_grad():
            y = net.forward(tensors, {list(net.input_shapes)[0]: x})[net.layers[-1]["top"][0]]
        np.save(prefix + ".input.npy", x.numpy().astype(np.float32))
        np.save(prefix + ".output.npy", y.numpy().astype(np.float32))
        print(f"{name}: {sum(a.size for v in weights.values() for a in v)} parameters, input {list(x.shape)}, "
              f"output {list(y.shape)}")


if __name__ == "__main__":
    main()
