"""What the Python package adds to a run: `net(x)` against the time spent inside
libpzconv's pzconv_model_run in the same call, on a small and a full-size patch
of the paper's residual 3-D U-Net, and ONNX Runtime's Python API on the same net
(the same weights, exported from PyTorch) in the same run.

usage: python_overhead.py [--net Benchmarks/nets/residual_unet3d.prototxt] [--small 18,32,32]
                          [--threads 2] [--repeat 15] [--warmup 3] [--work Benchmarks/.work/python]
                          [--bench ../shared/bench]

Needs the pzconv package (pip install ./python) and torch, onnx, onnxruntime in the
same environment. The weights are zoo.make_weights(seed 0) written as a
.caffemodel.h5 and imported by pzconv.import_model; the input is the peers'
seeded torch.randn patch. Each repeat times net(x) (and, inside it, the library
call), the bare library call on buffers made once, and ONNX Runtime's
session.run, in an order that rotates from one repeat to the next; medians over
--repeat after --warmup. Prints one line per patch.
"""
import argparse
import ctypes
import os
import re
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


class TimedLibrary:
    """libpzconv with pzconv_model_run timed: the seconds of its last call."""

    def __init__(self, library):
        self.library = library
        self.seconds = 0.0

    def __getattr__(self, name):
        function = getattr(self.library, name)
        if name != "pzconv_model_run":
            return function

        def timed(*arguments):
            start = time.perf_counter()
            status = function(*arguments)
            self.seconds = time.perf_counter() - start
            return status

        return timed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--net", default=os.path.join(HERE, "nets", "residual_unet3d.prototxt"))
    ap.add_argument("--small", default="18,32,32")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--work", default=os.path.join(HERE, ".work", "python"))
    ap.add_argument("--bench", default=os.environ.get("SHARED_BENCH") or os.path.join(HERE, "..", "..", "shared", "bench"))
    a = ap.parse_args()
    sys.path.insert(0, os.path.abspath(a.bench))
    sys.path.insert(0, HERE)
    import onnxruntime as ort
    import torch
    import zoo

    import pzconv
    from pzconv import _library, _net

    torch.set_num_threads(a.threads)
    os.makedirs(a.work, exist_ok=True)
    text = open(a.net).read()
    full_shape = [int(v) for v in re.search(r"input_param \{ shape \{((?: dim: \d+)+) \}", text).group(1).split()[1::2]]
    small_shape = full_shape[:2] + [int(v) for v in a.small.split(",")]
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    isa = "AVX-512" if "avx512f" in open("/proc/cpuinfo").read() else "AVX2"
    print(f"{os.path.basename(a.net)}, {a.threads} threads, median of {a.repeat} after {a.warmup}; {cpu} ({isa}), "
          f"pzconv {pzconv.version()}, onnxruntime {ort.__version__}", flush=True)
    timed = TimedLibrary(_library.library())
    _net.native.library = lambda: timed  # the package's calls go through the timer
    for label, shape in (("small", small_shape), ("full", full_shape)):
        name = f"{label}_{'x'.join(map(str, shape))}"
        prototxt = os.path.join(a.work, name + ".prototxt")
        dims = " ".join(f"dim: {v}" for v in shape)
        with open(prototxt, "w") as f:
            f.write(re.sub(r"input_param \{ shape \{(?: dim: \d+)+ \}", f"input_param {{ shape {{ {dims} }}", text, count=1))
        caffe_net = zoo.load(prototxt)
        weights = zoo.make_weights(caffe_net, seed=0)
        zoo.write_caffemodel_h5(weights, os.path.join(a.work, name + ".caffemodel.h5"))
        pzir = pzconv.import_model(prototxt, os.path.join(a.work, name + ".pzir"),
                                   weights=os.path.join(a.work, name + ".caffemodel.h5"))
        packed = pzconv.export(pzir, os.path.join(a.work, name + ".pz"))
        x = zoo.seeded_input(caffe_net)
        onnx_path = os.path.join(a.work, name + ".onnx")
        with torch.no_grad():
            torch.onnx.export(zoo.Module(caffe_net, weights), (x,), onnx_path, input_names=["input"],
                              output_names=["output"], opset_version=17, dynamo=False)
        x = x.numpy()
        options = ort.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = a.threads, 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])

        net = pzconv.load(packed, threads=a.threads)
        output = np.empty(net.outputs[0].shape, np.float32)
        inputs = (_library.c_float_p * 1)(x.ctypes.data_as(_library.c_float_p))
        outputs = (_library.c_float_p * 1)(output.ctypes.data_as(_library.c_float_p))
        handle = net._checked_handle()

        def bare():
            timed.library.pzconv_model_run(handle, inputs, 1, outputs, 1, 0, 0, None)

        def through_package():
            start = time.perf_counter()
            result = net(x)
            return time.perf_counter() - start, timed.seconds, result

        def timed_call(function):
            start = time.perf_counter()
            result = function()
            return time.perf_counter() - start, result

        # The three take turns in a rotating order: ONNX Runtime's threads spin for a while
        # after a run, slowing whatever comes right after it.
        totals, insides, bares, peers = [], [], [], []
        for index in range(a.warmup + a.repeat):
            for turn in range(3):
                which = (index + turn) % 3
                if which == 0:
                    total, inside, y = through_package()
                elif which == 1:
                    bare_seconds, _ = timed_call(bare)
                else:
                    peer, outputs_ort = timed_call(lambda: session.run(None, {"input": x}))
                    reference = outputs_ort[0]
            if index >= a.warmup:
                totals.append(total)
                insides.append(inside)
                bares.append(bare_seconds)
                peers.append(peer)
        overheads = [t - i for t, i in zip(totals, insides)]
        difference = float(np.abs(y - reference).max() / max(1.0, np.abs(reference).max()))
        median = statistics.median
        print(f"{label} patch {shape}: net(x) {median(totals) * 1e3:.2f} ms, inside the library "
              f"{median(insides) * 1e3:.2f} ms, Python overhead {median(overheads) * 1e6:.0f} us "
              f"({median(overheads) / median(totals):.2%} of net(x); max {max(overheads) * 1e6:.0f} us), bare C call "
              f"{median(bares) * 1e3:.2f} ms, onnxruntime session.run {median(peers) * 1e3:.2f} ms "
              f"(net(x) / onnxruntime {median(totals) / median(peers):.2f}), outputs differ by {difference:.1e}",
              flush=True)


if __name__ == "__main__":
    main()
