"""Writes the benchmark report (Markdown) from what Benchmarks/run.sh measured.

Usage: python Benchmarks/report.py --work DIR [--threads 2 ...] NAME [NAME ...]
"""
import argparse
import datetime
import json
import os
import platform
import statistics

import numpy as np

PEERS = [("pytorch", "PyTorch"), ("onnxruntime", "ONNX Runtime"), ("openvino", "OpenVINO")]


def load(path):
    with open(path) as f:
        return json.load(f)


def peers(path):
    """peers_bench.py lines: name median_ms min_ms GFLOP/s."""
    found = {}
    for line in open(path):
        parts = line.split()
        if len(parts) == 4 and parts[0] in dict(PEERS):
            found[parts[0]] = (float(parts[1]) / 1e3, float(parts[2]) / 1e3)
    return found


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def seconds(value):
    return f"{value:.3f} s"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--peer-warmup", type=int, default=1)
    parser.add_argument("--peer-iterations", type=int, default=5)
    parser.add_argument("nets", nargs="+")
    a = parser.parse_args()
    w = a.work
    before, after = load(f"{w}/peak.before.json"), load(f"{w}/peak.after.json")
    peak = statistics.median([before["all_threads_gflops"], after["all_threads_gflops"]])
    out = [f"# pzconv benchmark ({datetime.date.today().isoformat()})", "",
           f"Machine: {cpu_model()}, {os.cpu_count()} cores; {a.threads} threads for every contender.",
           f"FMA peak as our micro-kernel reaches it (`pzconv bench --peak`): "
           f"{before['one_thread_gflops']:.1f} GFLOP/s on 1 thread, {before['all_threads_gflops']:.1f} GFLOP/s on "
           f"{a.threads} threads before the runs, {after['all_threads_gflops']:.1f} after (used: {peak:.1f}).",
           f"pzconv: `pzconv bench` median of {a.iterations} runs after {a.warmup} warm-up runs; peers: "
           f"`peers_bench.py` median of {a.peer_iterations} after {a.peer_warmup}. Same weights "
           "(caffe_torch.make_weights, seed 0). pzconv S = 16 is timed before and after the peers; the ratio "
           "uses the slower of the two.", ""]

    header = ["net", "GFLOP", "pzconv S=16", "S=8", "S=16 direct", "S=8 direct", "S=16 no fusions"] \
        + [n for _, n in PEERS] + ["pzconv vs best peer"]
    out += ["## Latency (batch 1, seconds)", "",
            "pzconv S=16 and S=8 use Winograd F(2×2, 3×3) for the 3×3 convolutions; \"direct\" is the PZnet "
            "paper's direct convolution everywhere (`export --no-winograd`); \"no fusions\" is `export --no-passes`.",
            "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    details = []
    for net in a.nets:
        p = f"{w}/{net}"
        runs = {k: load(f"{p}.{k}.json") for k in ("s16", "s16.after", "s8", "direct", "direct8", "unfused")}
        s16, s16b = runs["s16"], runs["s16.after"]
        peer = peers(f"{p}.peers.txt")
        ours = max(s16["median_seconds"], s16b["median_seconds"])
        best = min((v[0], k) for k, v in peer.items()) if peer else None
        row = [net, f"{s16['flops'] / 1e9:.1f}",
               f"{seconds(s16['median_seconds'])} / {seconds(s16b['median_seconds'])}"]
        row += [seconds(runs[k]["median_seconds"]) for k in ("s8", "direct", "direct8", "unfused")]
        row += [seconds(peer[k][0]) if k in peer else "-" for k, _ in PEERS]
        row.append(f"{best[0] / ours:.2f}x faster than {dict(PEERS)[best[1]]}" if best else "-")
        out.append("| " + " | ".join(row) + " |")
        details.append((net, runs, ours))

    out += ["", "## Fusions, Winograd, SIMD width, convolution efficiency, correctness", "",
            "Efficiency counts the useful FLOPs of direct convolution (2 per multiply-add of the real channels; "
            "padded channels and Winograd's savings not counted) over the measured time, as a share of the "
            f"{a.threads}-thread FMA peak above.", ""]
    for net, runs, ours in details:
        p = f"{w}/{net}"
        s16, direct, unfused = runs["s16"], runs["direct"], runs["unfused"]
        out.append(f"**{net}**")
        out.append(f"- fusions on vs off (S = 16, Winograd): {(1 - s16['median_seconds'] / unfused['median_seconds']) * 100:.1f}% "
                   "less time with the fused graph")
        out.append(f"- Winograd vs direct (S = 16): {direct['median_seconds'] / s16['median_seconds']:.2f}x as fast")
        for label, run, inspect in (("direct kernel", direct, "direct.inspect"), ("Winograd kernel", s16, "inspect")):
            nodes = load(f"{p}.{inspect}.json")["nodes"]
            kernels = {n["name"]: tuple(n["kernel"]) for n in nodes if n["op"] == "Convolution" and n.get("kernel")}
            by_shape = {}
            for layer in run["layers"]:
                shape = kernels.get(layer["name"])
                if shape in ((3, 3, 3), (1, 3, 3)):
                    flops, secs = by_shape.get(shape, (0, 0.0))
                    by_shape[shape] = (flops + layer["flops"], secs + layer["seconds"])
            for shape in sorted(by_shape):
                flops, secs = by_shape[shape]
                rate = flops / secs / 1e9
                out.append(f"- {'x'.join(map(str, shape))} convolutions, {label}: {flops / 1e9:.1f} GFLOP in {secs * 1e3:.0f} ms, "
                           f"{rate:.0f} GFLOP/s = {rate / peak * 100:.0f}% of peak")
        convolutions = {n["name"] for n in load(f"{p}.inspect.json")["nodes"] if n["op"] == "Convolution"}
        for label, wide, narrow in (("Winograd", "s16", "s8"), ("direct", "direct", "direct8")):
            times8 = {l["name"]: l["seconds"] for l in runs[narrow]["layers"]}
            ratios = [times8[l["name"]] / l["seconds"] for l in runs[wide]["layers"]
                      if l["name"] in times8 and l["name"] in convolutions and l["seconds"] > 0]
            if ratios:
                out.append(f"- S = 16 vs S = 8 per convolution layer ({label}): S = 16 {statistics.median(ratios):.2f}x as fast "
                           f"(median; range {min(ratios):.2f}-{max(ratios):.2f}); whole net "
                           f"{runs[narrow]['median_seconds'] / runs[wide]['median_seconds']:.2f}x")
        reference = np.load(f"{p}.output.npy")
        actual = np.load(f"{p}.pzconv.npy").reshape(reference.shape)
        error = float(np.abs(actual - reference).max())
        out.append(f"- full-size output (S = 16, Winograd) vs PyTorch (caffe_torch): max abs error {error:.2e}, "
                   f"{error / max(1.0, float(np.abs(reference).max())):.2e} relative to max(1, |ref|max)")
        out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
