"""Writes the benchmark report (Markdown) from what Benchmarks/run.sh measured.

For every net: latency of pzconv (S = 16 and 8, Winograd and direct, fused and
not) and of the peers; per convolution kernel shape, its rate against the FMA
peak; where pzconv's time goes (the share of the steps' time in convolutions and
deconvolutions, by kernel, and the top layers, from `bench --layers --json` per
step, whose names are node names, and `inspect --json` of the .pz for each
node's op and the plan's kernel per step); any step that falls back to the
`reference` kernel in any of the five plans; and the full-size outputs against
the framework's (PyTorch running Caffe's semantics, or Keras' own predict).

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
CONVOLUTIONS = ("Convolution", "Deconvolution")
PLANS = [("s16", "inspect", "S = 16"), ("s8", "s8.inspect", "S = 8"), ("direct", "direct.inspect", "S = 16 direct"),
         ("direct8", "direct8.inspect", "S = 8 direct"), ("unfused", "unfused.inspect", "S = 16 no fusions")]
TOP_LAYERS = 10


def load(path):
    with open(path) as f:
        return json.load(f)


def peers(path):
    """peers_bench.py / peers_zoo.py lines: name median_ms min_ms GFLOP/s."""
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


def isa():
    """The widest x86 vector ISA the CPU reports in /proc/cpuinfo's flags."""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                if "avx512f" in flags:
                    return "AVX-512 (avx512f)"
                if "avx2" in flags:
                    return "AVX2 (avx2, no avx512f)"
                return "neither avx512f nor avx2"
    except OSError:
        pass
    return f"unknown ({platform.machine()}, no /proc/cpuinfo flags)"


def seconds(value):
    return f"{value:.3f} s"


def shape_text(shape):
    return "×".join(map(str, shape))


def steps(run, inspect):
    """The timed steps of one plan with their node's op, kernel extent and output shape and the plan's kernel."""
    nodes = {n["name"]: n for n in inspect["nodes"]}
    kernels = {s["node"]: s["kernel"] for s in inspect["packed"]["steps"]}
    rows = []
    for layer in run["layers"]:
        node = nodes.get(layer["name"], {})
        rows.append(dict(name=layer["name"], op=node.get("op", "?"), kernel=kernels.get(layer["name"], "?"),
                         extent=node.get("kernel"), shape=(node.get("shapes") or [[]])[0],
                         seconds=layer["seconds"], flops=layer["flops"]))
    return rows


def rate(flops, secs, peak):
    if secs <= 0:
        return "-", "-"
    gflops = flops / secs / 1e9
    return f"{gflops:.0f}", f"{gflops / peak * 100:.0f}%"


def time_split(rows, peak, out):
    """Share of the steps' time in convolutions and deconvolutions, by kernel, and their rate against peak."""
    total = sum(r["seconds"] for r in rows)
    convs = [r for r in rows if r["op"] in CONVOLUTIONS]
    secs = sum(r["seconds"] for r in convs)
    flops = sum(r["flops"] for r in convs)
    gflops, share = rate(flops, secs, peak)
    out.append(f"- time in convolutions and deconvolutions (S = 16 plan): {secs * 1e3:.0f} ms of the steps' "
               f"{total * 1e3:.0f} ms ({secs / total * 100:.1f}%), {flops / 1e9:.1f} GFLOP at {gflops} GFLOP/s = "
               f"{share} of peak")
    by_kernel = {}
    for r in convs:
        key = (r["op"], r["kernel"])
        f, s, n = by_kernel.get(key, (0, 0.0, 0))
        by_kernel[key] = (f + r["flops"], s + r["seconds"], n + 1)
    for (op, kernel), (f, s, n) in sorted(by_kernel.items(), key=lambda item: -item[1][1]):
        gflops, share = rate(f, s, peak)
        out.append(f"  - {op} on the `{kernel}` kernel, {n} step{'s' if n != 1 else ''}: {s * 1e3:.0f} ms "
                   f"({s / total * 100:.1f}% of the steps' time), {f / 1e9:.1f} GFLOP at {gflops} GFLOP/s = {share} of peak")


def top_layers(rows, peak, out):
    total = sum(r["seconds"] for r in rows)
    out += ["", f"Top {TOP_LAYERS} steps by time (S = 16 plan):", "",
            "| step | op | kernel | extent | output | ms | share | GFLOP/s | % of peak |", "|" + "---|" * 9]
    for r in sorted(rows, key=lambda r: -r["seconds"])[:TOP_LAYERS]:
        convolution = r["op"] in CONVOLUTIONS
        gflops, share = rate(r["flops"], r["seconds"], peak) if convolution and r["flops"] else ("-", "-")
        out.append(f"| {r['name']} | {r['op']} | {r['kernel']} | {shape_text(r['extent']) if r['extent'] else '-'} | "
                   f"{shape_text(r['shape'])} | {r['seconds'] * 1e3:.1f} | {r['seconds'] / total * 100:.1f}% | "
                   f"{gflops} | {share} |")
    out.append("")


def fallbacks(p, runs, out):
    """Every step on the `reference` kernel in any plan, with its time in that plan."""
    found = {}
    for key, inspect_name, label in PLANS:
        path = f"{p}.{inspect_name}.json"
        if not os.path.exists(path):
            continue
        total = sum(layer["seconds"] for layer in runs[key]["layers"])
        for r in steps(runs[key], load(path)):
            if r["kernel"] == "reference":
                found.setdefault((r["name"], r["op"], tuple(r["extent"] or ())), []).append(
                    f"{label} {r['seconds'] * 1e3:.0f} ms = {r['seconds'] / total * 100:.1f}%")
    if not found:
        out.append("- fallbacks: no step runs on the `reference` kernel in any plan")
        return
    out.append(f"- **fallbacks**: {len(found)} step{'s' if len(found) != 1 else ''} on the `reference` kernel "
               "(the scalar reference implementation on NCDHW copies):")
    for (name, op, extent), where in found.items():
        out.append(f"  - {name} ({op}{', ' + shape_text(extent) if extent else ''}): " + "; ".join(where))


def correctness(net, p, inspect, out):
    outputs = inspect["outputs"]
    keras = (inspect.get("source") or {}).get("framework") == "keras"
    oracle = "Keras' predict" if keras else "PyTorch (caffe_torch)"
    main = load(f"{p}.outputs.json")["main"] if os.path.exists(f"{p}.outputs.json") else outputs[0]["tensor"]
    if len(outputs) == 1:
        pairs = [(outputs[0], f"{p}.pzconv.npy", f"{p}.output.npy")]
    else:
        pairs = [(o, f"{p}.pzconv.{i}.npy", f"{p}.output.npy" if o["tensor"] == main else f"{p}.output.{o['tensor']}.npy")
                 for i, o in enumerate(outputs)]
    for output, actual_path, reference_path in pairs:
        reference = np.load(reference_path)
        actual = np.load(actual_path).reshape(reference.shape)
        error = float(np.abs(actual - reference).max())
        label = "full-size output" if len(pairs) == 1 else f"full-size output `{output['tensor']}`"
        out.append(f"- {label} ({output['layout']}, S = 16, Winograd) vs {oracle}: max abs error {error:.2e}, "
                   f"{error / max(1.0, float(np.abs(reference).max())):.2e} relative to max(1, |ref|max)")


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
           f"Machine: {cpu_model()}, {os.cpu_count()} cores, vector ISA {isa()}; {a.threads} threads for every "
           "contender.",
           f"FMA peak as our micro-kernel reaches it (`pzconv bench --peak`): "
           f"{before['one_thread_gflops']:.1f} GFLOP/s on 1 thread, {before['all_threads_gflops']:.1f} GFLOP/s on "
           f"{a.threads} threads before the runs, {after['all_threads_gflops']:.1f} after (used: {peak:.1f}).",
           f"pzconv: `pzconv bench` median of {a.iterations} runs after {a.warmup} warm-up runs; peers: "
           f"`peers_zoo.py` (peers_bench.py's settings and timing) median of {a.peer_iterations} after "
           f"{a.peer_warmup}. Same weights (Caffe nets: caffe_torch.make_weights, seed 0, plus PReLU slopes from "
           "zoo.py; the Keras net: the model.h5 keras_unet3d.py wrote). pzconv S = 16 is timed before and after the "
           "peers. The ratio to the best peer uses the plan `export` makes by default on this instruction set: S = 8 "
           "on AVX2 (KernelTuning), S = 16 on AVX-512 (the slower of its two timings).", ""]
    default_plan = "s8" if isa().startswith("AVX2") else "s16"

    header = ["net", "input", "GFLOP", "pzconv S=16 (before / after peers)", "S=8", "S=16 direct", "S=8 direct", "S=16 no fusions"] \
        + [n for _, n in PEERS] + ["pzconv vs best peer"]
    out += ["## Latency (batch 1, seconds)", "",
            "pzconv S=16 and S=8 use Winograd (F(4×4, 3×3) for 3×3 kernels, F(2×2, 5×5), F(3×3, 2×2)) where it fits; "
            "\"direct\" is the PZnet "
            "paper's direct convolution everywhere (`export --no-winograd`); \"no fusions\" is `export --no-passes`.",
            "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    details = []
    for net in a.nets:
        p = f"{w}/{net}"
        runs = {k: load(f"{p}.{k}.json") for k in ("s16", "s16.after", "s8", "direct", "direct8", "unfused")}
        inspect = load(f"{p}.inspect.json")
        s16, s16b = runs["s16"], runs["s16.after"]
        peer = peers(f"{p}.peers.txt")
        ours = max(s16["median_seconds"], s16b["median_seconds"]) if default_plan == "s16" \
            else runs[default_plan]["median_seconds"]
        best = min((v[0], k) for k, v in peer.items()) if peer else None
        inputs = ", ".join(f"{shape_text(i['source_shape'])} {i['layout']}" for i in inspect["inputs"])
        row = [net, inputs, f"{s16['flops'] / 1e9:.1f}",
               f"{seconds(s16['median_seconds'])} / {seconds(s16b['median_seconds'])}"]
        row += [seconds(runs[k]["median_seconds"]) for k in ("s8", "direct", "direct8", "unfused")]
        row += [seconds(peer[k][0]) if k in peer else "-" for k, _ in PEERS]
        if best:
            ratio = best[0] / ours
            row.append(f"{ratio:.2f}x faster than {dict(PEERS)[best[1]]}" if ratio >= 1
                       else f"{1 / ratio:.2f}x slower than {dict(PEERS)[best[1]]}")
        else:
            row.append("-")
        out.append("| " + " | ".join(row) + " |")
        details.append((net, runs, inspect))

    out += ["", "## Per net: where the time goes, fallbacks, fusions, Winograd, SIMD width, efficiency, correctness",
            "",
            "Efficiency counts the useful FLOPs of direct convolution (2 per multiply-add of the real channels; "
            "padded channels and Winograd's savings not counted, so Winograd can exceed 100%) over the measured time, "
            f"as a share of the {a.threads}-thread FMA peak above. Shares are of the sum of the steps' times "
            "(`bench --layers`, mean per run).", ""]
    for net, runs, inspect in details:
        p = f"{w}/{net}"
        s16, direct, unfused = runs["s16"], runs["direct"], runs["unfused"]
        outs = ", ".join(f"{o['tensor']} {shape_text(o['source_shape'])}" for o in inspect["outputs"])
        out.append(f"**{net}** (outputs: {outs})")
        rows = steps(s16, inspect)
        time_split(rows, peak, out)
        fallbacks(p, runs, out)
        out.append(f"- fusions on vs off (S = 16, Winograd): {(1 - s16['median_seconds'] / unfused['median_seconds']) * 100:.1f}% "
                   "less time with the fused graph")
        out.append(f"- Winograd vs direct (S = 16): {direct['median_seconds'] / s16['median_seconds']:.2f}x as fast")
        for label, run, inspect_name in (("direct kernel", direct, "direct.inspect"), ("Winograd plan", s16, "inspect")):
            by_shape = {}
            for r in steps(run, load(f"{p}.{inspect_name}.json")):
                if r["op"] == "Convolution" and r["extent"]:
                    shape = tuple(r["extent"])
                    flops, secs = by_shape.get(shape, (0, 0.0))
                    by_shape[shape] = (flops + r["flops"], secs + r["seconds"])
            for shape in sorted(by_shape, key=lambda s: -by_shape[s][0]):
                flops, secs = by_shape[shape]
                gflops, share = rate(flops, secs, peak)
                out.append(f"- {'x'.join(map(str, shape))} convolutions, {label}: {flops / 1e9:.1f} GFLOP in "
                           f"{secs * 1e3:.0f} ms, {gflops} GFLOP/s = {share} of peak")
        convolutions = {n["name"] for n in inspect["nodes"] if n["op"] == "Convolution"}
        for label, wide, narrow in (("Winograd", "s16", "s8"), ("direct", "direct", "direct8")):
            times8 = {l["name"]: l["seconds"] for l in runs[narrow]["layers"]}
            ratios = [times8[l["name"]] / l["seconds"] for l in runs[wide]["layers"]
                      if l["name"] in times8 and l["name"] in convolutions and l["seconds"] > 0]
            if ratios:
                out.append(f"- S = 16 vs S = 8 per convolution layer ({label}): S = 16 {statistics.median(ratios):.2f}x as fast "
                           f"(median; range {min(ratios):.2f}-{max(ratios):.2f}); whole net "
                           f"{runs[narrow]['median_seconds'] / runs[wide]['median_seconds']:.2f}x")
        correctness(net, p, inspect, out)
        top_layers(rows, peak, out)
    print("\n".join(out))


if __name__ == "__main__":
    main()
