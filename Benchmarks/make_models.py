"""Weights, an input patch and PyTorch's output for the benchmark's Caffe nets.

For each net of Benchmarks/nets/ (all of them when none is named): weights from
zoo.make_weights (caffe_torch.make_weights, seed 0, the same weights
../shared/bench/peers_bench.py gives the peers, plus PReLU slopes), written as a
.caffemodel.h5; the peers' input patch (torch.randn, generator seed 1); and the
output of caffe_torch's PyTorch execution of the net (Caffe semantics, checked
against real Caffe to 7e-7; PReLU added by zoo.py), the reference for pzconv's
full-size output: NAME.output.npy is the last layer's output; a net with
several outputs (blobs no layer consumes) also gets NAME.output.BLOB.npy for
each, and NAME.outputs.json lists them ({"main": blob, "outputs": [blobs in
Caffe's (sorted) order]}).

Usage: python Benchmarks/make_models.py --bench ../shared/bench --work DIR [NAME ...]
"""
import argparse
import glob
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", required=True, help="directory of caffe_torch.py")
    parser.add_argument("--work", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("nets", nargs="*")
    args = parser.parse_args()
    sys.path.insert(0, os.path.abspath(args.bench))
    sys.path.insert(0, HERE)
    import torch
    import zoo

    torch.set_num_threads(args.threads)
    os.makedirs(args.work, exist_ok=True)
    names = args.nets or sorted(os.path.basename(p)[:-len(".prototxt")]
                                for p in glob.glob(os.path.join(HERE, "nets", "*.prototxt")))
    for name in names:
        prefix = os.path.join(args.work, name)
        if os.path.exists(prefix + ".output.npy"):
            print(f"{name}: weights, input and PyTorch output already in {args.work}")
            continue
        net = zoo.load(os.path.join(HERE, "nets", name + ".prototxt"))
        weights = zoo.make_weights(net, seed=0)
        zoo.write_caffemodel_h5(weights, prefix + ".caffemodel.h5")
        x = zoo.seeded_input(net)
        tensors = {k: [torch.as_tensor(a) for a in v] for k, v in weights.items()}
        with torch.no_grad():
            blobs = net.forward(tensors, {list(net.input_shapes)[0]: x})
        main_output, outputs = net.main_output(), net.outputs()
        y = blobs[main_output]
        np.save(prefix + ".input.npy", x.numpy().astype(np.float32))
        np.save(prefix + ".output.npy", y.numpy().astype(np.float32))
        if outputs != [main_output]:
            for blob in outputs:
                np.save(f"{prefix}.output.{blob}.npy", blobs[blob].numpy().astype(np.float32))
        with open(prefix + ".outputs.json", "w") as f:
            json.dump({"main": main_output, "outputs": outputs}, f)
        shapes = ", ".join(f"{blob} {list(blobs[blob].shape)}" for blob in outputs)
        print(f"{name}: {sum(a.size for v in weights.values() for a in v)} parameters, input {list(x.shape)}, "
              f"output {shapes}")


if __name__ == "__main__":
    main()
