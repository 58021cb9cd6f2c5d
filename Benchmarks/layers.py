"""Convolution efficiency across shapes: one convolution per net, pzconv against
OpenVINO in the same run, each as a share of the machine's FMA peak.

For every shape of the table below (the 3-D segmentation nets' layers: 3x3x3 and
1x3x3 with 16 to 128 channels on 16^3 to 64^3 and 18x192x192, V-Net's 5x5x5,
1x1x1, the kernel-4 stride-2 deconvolution of DSN/DenseVoxNet) a one-layer Caffe
net is written, given seeded weights (zoo.make_weights), imported, exported
without passes and timed with `pzconv bench` (median of --iterations after
--warmup); OpenVINO runs the same net through peers_zoo.py (median of --peer-
iterations). FLOPs count 2 per multiply-add as written (Winograd's savings not
counted), so Winograd layers can pass 100% of peak. The peak is `pzconv bench
--peak` on the same threads and instruction set.

    python Benchmarks/layers.py --work Benchmarks/.work/layers [--isa avx2] [--threads 2] > table.md

--isa avx2 runs pzconv's AVX2 kernels (PZCONV_ISA=avx2) and OpenVINO with
ONEDNN_MAX_CPU_ISA=AVX2 (its convolutions then use oneDNN's AVX2 kernels): on an
AVX-512 machine, the closest this script gets to an AVX2 one.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# name, kernel (D, H, W), stride, pad, input channels, output channels, input (D, H, W), deconvolution
SHAPES = [
    ("3x3x3 16->16 on 64^3", (3, 3, 3), 1, (1, 1, 1), 16, 16, (64, 64, 64), False),
    ("3x3x3 32->32 on 32^3", (3, 3, 3), 1, (1, 1, 1), 32, 32, (32, 32, 32), False),
    ("3x3x3 64->64 on 32^3", (3, 3, 3), 1, (1, 1, 1), 64, 64, (32, 32, 32), False),
    ("3x3x3 128->128 on 16^3", (3, 3, 3), 1, (1, 1, 1), 128, 128, (16, 16, 16), False),
    ("3x3x3 28->36 on 18x96x96", (3, 3, 3), 1, (1, 1, 1), 28, 36, (18, 96, 96), False),
    ("1x3x3 28->28 on 18x192x192", (1, 3, 3), 1, (0, 1, 1), 28, 28, (18, 192, 192), False),
    ("1x3x3 64->64 on 18x96x96", (1, 3, 3), 1, (0, 1, 1), 64, 64, (18, 96, 96), False),
    ("5x5x5 16->16 on 32x64x64 (V-Net)", (5, 5, 5), 1, (2, 2, 2), 16, 16, (32, 64, 64), False),
    ("5x5x5 64->64 on 16x32x32 (V-Net)", (5, 5, 5), 1, (2, 2, 2), 64, 64, (16, 32, 32), False),
    ("1x1x1 64->64 on 32^3", (1, 1, 1), 1, (0, 0, 0), 64, 64, (32, 32, 32), False),
    ("3x3x3 stride 2 32->64 on 32^3", (3, 3, 3), 2, (1, 1, 1), 32, 64, (32, 32, 32), False),
    ("deconv 4x4x4 stride 2 pad 1 64->32 on 32^3", (4, 4, 4), 2, (1, 1, 1), 64, 32, (32, 32, 32), True),
    ("deconv 2x2x2 stride 2 64->32 on 32^3", (2, 2, 2), 2, (0, 0, 0), 64, 32, (32, 32, 32), True),
]


def prototxt(name, kernel, stride, pad, cin, cout, spatial, deconv):
    dims = " ".join(f"dim: {d}" for d in (1, cin) + spatial)
    kind = "Deconvolution" if deconv else "Convolution"
    fields = " ".join(f"kernel_size: {k}" for k in kernel) + f" stride: {stride} " + " ".join(f"pad: {p}" for p in pad)
    return (f'name: "layer"\nlayer {{ name: "data" type: "Input" top: "data" input_param {{ shape {{ {dims} }} }} }}\n'
            f'layer {{ name: "conv" type: "{kind}" bottom: "data" top: "out" '
            f'convolution_param {{ num_output: {cout} {fields} }} }}\n')


def run(command, env=None):
    return subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--isa", default=None, choices=[None, "avx2", "avx512"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--iterations", type=int, default=7)
    ap.add_argument("--peer-iterations", type=int, default=5)
    ap.add_argument("--pzconv", default=os.path.join(ROOT, ".build", "release", "pzconv"))
    ap.add_argument("--bench", default=os.environ.get("SHARED_BENCH") or os.path.join(ROOT, "..", "shared", "bench"))
    a = ap.parse_args()
    sys.path.insert(0, os.path.abspath(a.bench))
    sys.path.insert(0, HERE)
    import caffe_torch
    import zoo

    os.makedirs(a.work, exist_ok=True)
    env = dict(os.environ)
    isa_flags = ["--isa", a.isa] if a.isa else []
    if a.isa == "avx2":
        env["ONEDNN_MAX_CPU_ISA"] = "AVX2"
    peak = json.loads(run([a.pzconv, "bench", "--peak", "--threads", str(a.threads), "--json"] + isa_flags))
    print(f"Convolution layers, {a.threads} threads, {peak['isa']} kernels; FMA peak {peak['all_threads_gflops']:.1f} GFLOP/s "
          f"(`pzconv bench --peak`). pzconv: median of {a.iterations} after {a.warmup}; OpenVINO: median of "
          f"{a.peer_iterations}" + (" with ONEDNN_MAX_CPU_ISA=AVX2" if a.isa == "avx2" else "") + ".\n")
    print("pzconv's layer time is the convolution step alone (`bench --layers`); the ratio compares whole runs (pzconv's "
          "includes converting the input and output between NCDHW and its blocked layout, as OpenVINO's includes its "
          "reorders).\n")
    print("| layer | GFLOP | pzconv kernel | layer ms | GFLOP/s | % of peak | pzconv run ms | OpenVINO run ms | OpenVINO % of peak "
          "| pzconv vs OpenVINO |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for index, (name, kernel, stride, pad, cin, cout, spatial, deconv) in enumerate(SHAPES):
        prefix = os.path.join(a.work, f"layer{index}")
        with open(prefix + ".prototxt", "w") as f:
            f.write(prototxt(name, kernel, stride, pad, cin, cout, spatial, deconv))
        net = zoo.ZooNet(open(prefix + ".prototxt").read())
        caffe_torch.write_caffemodel_h5(zoo.make_weights(net, seed=0), prefix + ".caffemodel.h5")
        run([a.pzconv, "import", prefix + ".prototxt", "--weights", prefix + ".caffemodel.h5", "-o", prefix + ".pzir"])
        run([a.pzconv, "export", prefix + ".pzir", "-o", prefix + ".pz", "--no-passes"] + isa_flags)
        result = json.loads(run([a.pzconv, "bench", prefix + ".pz", "--warmup", str(a.warmup), "--iterations",
                                 str(a.iterations), "--threads", str(a.threads), "--layers", "--json"] + isa_flags))
        layer = next(layer for layer in result["layers"] if layer["name"] == "conv")
        peers = run([sys.executable, os.path.join(HERE, "peers_zoo.py"), prefix + ".prototxt", "--threads", str(a.threads),
                     "--iters", str(a.peer_iterations), "--warmup", "1", "--only", "ov", "--onnx", prefix + ".onnx",
                     "--bench", a.bench], env=env)
        ov_ms = next(float(line.split()[1]) for line in peers.splitlines() if line.startswith("openvino"))
        gflop = layer["flops"] / 1e9
        ms = layer["seconds"] * 1e3
        ov_share = gflop / (ov_ms / 1e3) / peak["all_threads_gflops"] * 100
        run_ms = result["median_seconds"] * 1e3
        print(f"| {name} | {gflop:.2f} | {layer['kernel']} | {ms:.2f} | {gflop / ms * 1e3:.0f} | "
              f"{gflop / ms * 1e3 / peak['all_threads_gflops'] * 100:.0f}% | {run_ms:.2f} | {ov_ms:.2f} | {ov_share:.0f}% | "
              f"{ov_ms / run_ms:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
