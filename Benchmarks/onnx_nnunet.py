"""pzconv against ONNX Runtime and OpenVINO on an nnU-Net-style 3-D U-Net that PyTorch
exported to ONNX: the same .onnx file for the three.

The net is nnU-Net's PlainConvUNet shape (its 3d_fullres defaults, scaled to a 2-core
machine): --stages stages of 2× [Conv3d 3×3×3 → InstanceNorm3d(affine) → LeakyReLU(0.01)],
stride 2 in the first convolution of every stage but the first, features 32, 64, 128, 256,
320 (capped at 320), ConvTranspose3d(k2, s2) up-sampling, skip concatenation, and
deep-supervision 1×1×1 heads at the two finest decoder stages. Weights random (seeded,
the fixture script's `randomize`), input torch.randn (seed 1) of 1×1×PATCH.

Steps: torch.onnx.export (opset 17, TorchScript exporter) → `pzconv import` →
`pzconv export -o net.pz` (verified passes) → outputs compared with ONNX Runtime's → then
--rounds rounds, each timing in turn `pzconv bench --json` (--warmup, --iters, its median),
ONNX Runtime (ORT_ENABLE_ALL, intra-op threads = --threads) and OpenVINO (CPU, LATENCY hint,
f32, INFERENCE_NUM_THREADS = --threads) with peers_bench's timeit (median of --iters after
--warmup). Reported: the median over rounds of each engine's median, and the ratios.
FLOPs: 2 per multiply-add of the (de)convolutions (peers_zoo.onnx_flops).

usage (from the repository root, release build first: swift build -c release):
    Benchmarks/.venv/bin/python Benchmarks/onnx_nnunet.py [--patch 32,96,96] [--stages 5] [--threads 2]
        [--rounds 3] [--iters 5] [--warmup 2] [--pzconv .build/release/pzconv] [--report FILE.md]
"""
import argparse
import json
import os
import platform
import subprocess
import sys

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "Fixtures", "onnx"))
sys.path.insert(0, HERE)
from make_onnx_fixtures import conv_in_lrelu, randomize  # noqa: E402


class PlainConvUNet(nn.Module):
    def __init__(self, stages, cin=1, ncls=3):
        super().__init__()
        feats = [min(32 * 2 ** i, 320) for i in range(stages)]
        self.encoder = nn.ModuleList()
        previous = cin
        for i, f in enumerate(feats):
            self.encoder.append(nn.Sequential(conv_in_lrelu(previous, f, 1 if i == 0 else 2), conv_in_lrelu(f, f)))
            previous = f
        self.up = nn.ModuleList()
        self.decoder = nn.ModuleList()
        self.heads = nn.ModuleList()
        for i in range(stages - 1, 0, -1):
            self.up.append(nn.ConvTranspose3d(feats[i], feats[i - 1], 2, stride=2, bias=False))
            self.decoder.append(nn.Sequential(conv_in_lrelu(2 * feats[i - 1], feats[i - 1]), conv_in_lrelu(feats[i - 1], feats[i - 1])))
            self.heads.append(nn.Conv3d(feats[i - 1], ncls, 1))

    def forward(self, x):
        skips = []
        for stage in self.encoder:
            x = stage(x)
            skips.append(x)
        outputs = []
        for up, decoder, head, skip in zip(self.up, self.decoder, self.heads, reversed(skips[:-1])):
            x = decoder(torch.cat([up(x), skip], 1))
            outputs.append(head(x))
        return outputs[-1], outputs[-2]


def cpu_name():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def isa():
    flags = open("/proc/cpuinfo").read()
    return "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--patch", default="32,96,96")
    ap.add_argument("--stages", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--pzconv", default=os.path.join(ROOT, ".build", "release", "pzconv"))
    ap.add_argument("--work", default=os.path.join(HERE, ".work", "onnx_nnunet"))
    ap.add_argument("--report")
    ap.add_argument("--bench", default=os.environ.get("SHARED_BENCH") or os.path.join(ROOT, "..", "shared", "bench"))
    a = ap.parse_args()
    sys.path.insert(0, os.path.abspath(a.bench))
    from peers_bench import timeit
    from peers_zoo import onnx_flops
    import onnxruntime as ort
    import openvino as ov

    patch = [int(v) for v in a.patch.split(",")]
    os.makedirs(a.work, exist_ok=True)
    onnx_path, pzir, packed = (os.path.join(a.work, name) for name in ("net.onnx", "net.pzir", "net.pz"))
    torch.set_num_threads(a.threads)
    model = randomize(PlainConvUNet(a.stages), seed=0).eval()
    x = torch.randn(1, 1, *patch, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.onnx.export(model, (x,), onnx_path, input_names=["input"], output_names=["seg", "seg_ds1"], opset_version=17,
                          dynamo=False)
    subprocess.run([a.pzconv, "import", onnx_path, "-o", pzir], check=True, stdout=subprocess.DEVNULL)
    export = subprocess.run([a.pzconv, "export", pzir, "-o", packed], check=True, capture_output=True, text=True)
    xn = x.numpy()
    np.save(os.path.join(a.work, "input.npy"), xn)

    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])
    compiled = ov.Core().compile_model(onnx_path, "CPU", {"INFERENCE_NUM_THREADS": a.threads, "PERFORMANCE_HINT": "LATENCY",
                                                          "INFERENCE_PRECISION_HINT": "f32"})
    request = compiled.create_infer_request()

    # Agreement: pzconv's fast executor against ONNX Runtime on the same input.
    reference = session.run(None, {"input": xn})
    outputs = [os.path.join(a.work, f"out.{name}.npy") for name in ("seg", "seg_ds1")]
    subprocess.run([a.pzconv, "run", packed, os.path.join(a.work, "input.npy"), *sum((["-o", o] for o in outputs), []),
                    "--threads", str(a.threads)], check=True, stdout=subprocess.DEVNULL)
    errors = [float(np.abs(np.load(o).reshape(r.shape) - r).max() / max(1.0, float(np.abs(r).max())))
              for o, r in zip(outputs, reference)]

    flops = onnx_flops(onnx_path)
    times = {"pzconv": [], "onnxruntime": [], "openvino": []}
    for round_index in range(a.rounds):
        bench = subprocess.run([a.pzconv, "bench", packed, "--json", "--warmup", str(a.warmup), "--iterations", str(a.iters),
                                "--threads", str(a.threads)], check=True, capture_output=True, text=True)
        times["pzconv"].append(json.loads(bench.stdout)["median_seconds"])
        times["onnxruntime"].append(timeit(lambda: session.run(None, {"input": xn}), a.iters, a.warmup)[0])
        times["openvino"].append(timeit(lambda: request.infer({0: xn}), a.iters, a.warmup)[0])
        print(f"round {round_index + 1}: " + ", ".join(f"{k} {v[-1] * 1e3:.0f} ms" for k, v in times.items()), flush=True)
    median = {k: float(np.median(v)) for k, v in times.items()}

    lines = [
        f"# pzconv vs ONNX Runtime and OpenVINO on a PyTorch-exported nnU-Net-style 3-D U-Net",
        "",
        f"Machine: {cpu_name()}, {os.cpu_count()} cores, {isa()}; {a.threads} threads for every engine.",
        f"Versions: torch {torch.__version__}, onnxruntime {ort.__version__}, openvino {ov.__version__}.",
        f"Net: PlainConvUNet, {a.stages} stages (features {[min(32 * 2 ** i, 320) for i in range(a.stages)]}), "
        f"InstanceNorm + LeakyReLU, ConvTranspose up-sampling, two deep-supervision heads; input 1×1×{'×'.join(map(str, patch))}; "
        f"{flops / 1e9:.1f} GFLOP (2 per multiply-add of the (de)convolutions).",
        f"pzconv export: {export.stdout.strip().splitlines()[0]}",
        f"pzconv vs ONNX Runtime outputs: max error {max(errors):.1e} relative to max(1, |ref|max).",
        f"Protocol: {a.rounds} rounds, in each every engine's median of {a.iters} runs after {a.warmup} warm-up runs; "
        "below, the median over rounds (Benchmarks/onnx_nnunet.py).",
        "",
        "| engine | median ms | GFLOP/s | time vs pzconv |",
        "|---|---|---|---|",
    ]
    for name in ("pzconv", "onnxruntime", "openvino"):
        lines.append(f"| {name} | {median[name] * 1e3:.0f} | {flops / median[name] / 1e9:.1f} | {median[name] / median['pzconv']:.2f}× |")
    lines.append("")
    lines.append("Per round (ms): " + "; ".join(f"{k} " + ", ".join(f"{t * 1e3:.0f}" for t in v) for k, v in times.items()))
    text = "\n".join(lines) + "\n"
    print(text)
    if a.report:
        with open(a.report, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
