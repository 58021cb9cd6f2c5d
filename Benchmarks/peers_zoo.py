"""Time the peers (PyTorch eager, ONNX Runtime, OpenVINO) on one net of the benchmark
zoo, batch 1, the way ../shared/bench/peers_bench.py does: its own timeit (median
of --iters after --warmup untimed runs) and flops() (2 FLOPs per multiply-add of
the (de)convolutions); torch.set_num_threads(threads); ONNX Runtime with
intra_op_num_threads = threads, inter_op_num_threads = 1 and every graph
optimization (ORT_ENABLE_ALL) on the CPU provider; OpenVINO on CPU with
INFERENCE_NUM_THREADS = threads, the LATENCY hint and f32 inference precision.

usage: peers_zoo.py MODEL [--threads 2] [--iters 5] [--warmup 1] [--onnx out.onnx] [--only torch,ort,ov]
                          [--seed 0] [--bench ../shared/bench]

MODEL is
- a Caffe .prototxt (including PReLU nets, through zoo.py): weights from
  zoo.make_weights(seed), the same as make_models.py writes and, for nets
  without PReLU, as peers_bench.py uses; input torch.randn with generator seed
  1; the net exported to --onnx (opset 17) for ONNX Runtime and OpenVINO. A net
  with several outputs (blobs no layer consumes) returns all of them, so the
  exported graph keeps every branch pzconv computes;
- an .onnx file (the Keras net's model.onnx from keras_unet3d.py): ONNX Runtime
  and OpenVINO run that file; PyTorch runs the module rebuilt from model.h5
  beside it (keras_unet3d.torch_model_from_h5), skipped when there is none;
  FLOPs are counted on the ONNX graph the same way.

Prints one line per peer: name median_ms min_ms GFLOP/s
"""
import argparse
import os
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def onnx_flops(path):
    """peers_bench's count on an ONNX file: 2 FLOPs per multiply-add of the convolutions (2*|output|*Cin/g*k...)
    and transposed convolutions (2*|input|*Cout/g*k...). Shapes come from OpenVINO's reading of the file,
    which resolves the shape arithmetic that ONNX's own shape inference leaves unknown."""
    import openvino as ov
    total = 0
    for op in ov.Core().read_model(path).get_ordered_ops():
        kind = op.get_type_name()
        if kind not in ("Convolution", "GroupConvolution", "ConvolutionBackpropData", "GroupConvolutionBackpropData"):
            continue
        weights = list(op.input(1).get_partial_shape().to_shape())
        per_point = int(np.prod(weights[2:] if kind.startswith("Group") else weights[1:]))
        if kind.endswith("BackpropData"):
            total += 2 * int(np.prod(list(op.input(0).get_partial_shape().to_shape()))) * per_point
        else:
            total += 2 * int(np.prod(list(op.output(0).get_partial_shape().to_shape()))) * per_point
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--onnx", default=os.path.join(tempfile.gettempdir(), "peers_zoo.onnx"))
    ap.add_argument("--only", default="torch,ort,ov")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bench", default=os.environ.get("SHARED_BENCH")
                    or os.path.join(HERE, "..", "..", "shared", "bench"),
                    help="directory of caffe_torch.py and peers_bench.py")
    a = ap.parse_args()
    sys.path.insert(0, os.path.abspath(a.bench))
    sys.path.insert(0, HERE)
    from peers_bench import flops, timeit
    import zoo

    torch.set_num_threads(a.threads)
    only = a.only.split(",")
    onnx_path = a.onnx
    if a.model.endswith(".onnx"):
        import onnx
        onnx_path = a.model
        graph_input = onnx.load(a.model).graph.input[0]
        shape = [d.dim_value for d in graph_input.type.tensor_type.shape.dim]
        x = torch.randn(*shape, generator=torch.Generator().manual_seed(1))
        fl = onnx_flops(a.model)
        h5 = os.path.join(os.path.dirname(os.path.abspath(a.model)), "model.h5")
        m = None
        if "torch" in only and os.path.exists(h5):
            import keras_unet3d
            m = keras_unet3d.torch_model_from_h5(h5)
        export = False
    else:
        net = zoo.load(a.model)
        m = zoo.Module(net, zoo.make_weights(net, seed=a.seed)).eval()
        x = zoo.seeded_input(net)
        fl = flops(net)
        export = True
        outputs = ["output"] if len(m.outs) == 1 else m.outs

    if "torch" in only and m is not None:
        with torch.no_grad():
            med, mn = timeit(lambda: m(x), a.iters, a.warmup)
        print(f"pytorch {med*1e3:.1f} {mn*1e3:.1f} {fl/med/1e9:.1f}", flush=True)
    if export and ("ort" in only or "ov" in only):
        with torch.no_grad():
            torch.onnx.export(m, (x,), onnx_path, input_names=["input"], output_names=outputs, opset_version=17,
                              dynamo=False)
    xn = x.numpy()
    if "ort" in only:
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = a.threads
        so.inter_op_num_threads = 1
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        s = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])
        name = s.get_inputs()[0].name
        med, mn = timeit(lambda: s.run(None, {name: xn}), a.iters, a.warmup)
        print(f"onnxruntime {med*1e3:.1f} {mn*1e3:.1f} {fl/med/1e9:.1f}", flush=True)
    if "ov" in only:
        import openvino as ov
        core = ov.Core()
        c = core.compile_model(onnx_path, "CPU", {"INFERENCE_NUM_THREADS": a.threads, "PERFORMANCE_HINT": "LATENCY",
                                                  "INFERENCE_PRECISION_HINT": "f32"})
        req = c.create_infer_request()
        med, mn = timeit(lambda: req.infer({0: xn}), a.iters, a.warmup)
        print(f"openvino {med*1e3:.1f} {mn*1e3:.1f} {fl/med/1e9:.1f}", flush=True)


if __name__ == "__main__":
    main()
