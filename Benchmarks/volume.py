"""Whole-volume benchmark: `pzconv predict` against MONAI's sliding_window_inference
driving OpenVINO, on the same volume, net, weights, patch, overlap and blend, in one
script run (the machines are shared and noisy: compare the ratio, not the seconds).

usage: volume.py [--net Benchmarks/nets/residual_unet3d.prototxt]
                 [--pz Benchmarks/.work/residual_unet3d.auto.pz]
                 [--shape 36,768,768] [--volume-dtype uint8|float32] [--overlap 4,32,32] [--threads 2]
                 [--work Benchmarks/.work/volume]
                 [--pzconv .build/release/pzconv] [--bench ../shared/bench]

The volume is smoothed noise in [0, 255] written as .npy, uint8 (rounded) or float32
(--volume-dtype float32: four times the bytes per voxel, for a volume of gigabytes
that both tools can get through in tens of minutes); pzconv memory-maps it, MONAI
holds it in memory as float32, as its users do. Both divide by 255 on the way in
(pzconv: --normalize scale:1/255), blend with a Gaussian (pzconv: --blend
gaussian, sigma = patch/8; MONAI: the same map as roi_weight_map, since its own
Gaussian is floored at 1e-3 and weighs overlapping tile edges differently) and use the
same overlap in voxels (MONAI's overlap is the fraction overlap/patch per axis).
The .pz must be the net of --net with zoo.make_weights(seed 0) weights (what
Benchmarks/make_models.py and `pzconv export` made); OpenVINO runs the ONNX export
of the same torch module, f32, INFERENCE_NUM_THREADS = threads, LATENCY hint.

Prints, for each: seconds, output voxels/s, the share of the time outside the
model (reading, blending, writing), and peak RSS; then the speed ratio, and the
largest difference between the two outputs (they blend alike but not bit for bit).
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def make_volume(path, shape, dtype, seed=0):
    if os.path.exists(path):
        existing = np.load(path, mmap_mode="r")
        if existing.shape == tuple(shape) and existing.dtype == dtype:
            return
    rng = np.random.default_rng(seed)
    noise = rng.random(shape, dtype=np.float32)
    for axis in range(3):  # a little smoothing, so it looks less like white noise
        noise = (noise + np.roll(noise, 1, axis) + np.roll(noise, -1, axis)) / 3
    lo, hi = noise.min(), noise.max()
    scaled = (noise - lo) / (hi - lo) * 255
    np.save(path, np.round(scaled).astype(np.uint8) if dtype == np.uint8 else scaled.astype(np.float32))


def run_pzconv(a, volume, output):
    shutil.rmtree(output, ignore_errors=True)  # a finished output would be resumed: nothing to do
    command = [a.pzconv, "predict", a.pz, volume, "-o", output, "--overwrite", "--json", "--blend", "gaussian",
               "--normalize", "scale:1/255", "--overlap", a.overlap, "--threads", str(a.threads)]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    return wall, summary


def run_monai(a, net_path, volume_path, shape_patch, overlap):
    sys.path.insert(0, os.path.abspath(a.bench))
    sys.path.insert(0, HERE)
    import zoo
    import openvino as ov
    from monai.inferers import sliding_window_inference

    torch.set_num_threads(a.threads)
    net = zoo.load(net_path)
    module = zoo.Module(net, zoo.make_weights(net, seed=0)).eval()
    onnx_path = os.path.join(a.work, "volume_net.onnx")
    with torch.no_grad():
        torch.onnx.export(module, (zoo.seeded_input(net),), onnx_path, input_names=["input"], output_names=["output"],
                          opset_version=17, dynamo=False)
    core = ov.Core()
    compiled = core.compile_model(onnx_path, "CPU", {"INFERENCE_NUM_THREADS": a.threads, "PERFORMANCE_HINT": "LATENCY",
                                                     "INFERENCE_PRECISION_HINT": "f32"})
    request = compiled.create_infer_request()
    model_seconds = [0.0]

    def predictor(patch):
        start = time.perf_counter()
        out = request.infer({0: patch.numpy()})[0]
        model_seconds[0] += time.perf_counter() - start
        return torch.from_numpy(np.array(out))

    start = time.perf_counter()
    volume = torch.from_numpy(np.load(volume_path).astype(np.float32) / 255)[None, None]
    fractions = [o / p for o, p in zip(overlap, shape_patch)]
    # pzconv's (and nnU-Net's) Gaussian: MONAI's own floors its map at 1e-3, which
    # weighs tiles' edges differently where several overlap; given the same map,
    # the two blends must agree.
    profiles = [np.exp(-0.5 * ((np.arange(p) - (p - 1) / 2) / (p / 8)) ** 2) for p in shape_patch]
    weight_map = torch.from_numpy((profiles[0][:, None, None] * profiles[1][None, :, None]
                                   * profiles[2][None, None, :]).astype(np.float32))
    with torch.no_grad():
        output = sliding_window_inference(volume, roi_size=shape_patch, sw_batch_size=1, predictor=predictor,
                                          overlap=fractions, mode="gaussian", roi_weight_map=weight_map)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return seconds, model_seconds[0], peak, output[0].numpy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--net", default=os.path.join(HERE, "nets", "residual_unet3d.prototxt"))
    ap.add_argument("--pz", default=os.path.join(HERE, ".work", "residual_unet3d.auto.pz"))
    ap.add_argument("--shape", default="36,768,768")
    ap.add_argument("--volume-dtype", choices=["uint8", "float32"], default="uint8")
    ap.add_argument("--overlap", default="4,32,32")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", default=os.path.join(HERE, ".work", "volume"))
    ap.add_argument("--pzconv", default=os.path.join(HERE, "..", ".build", "release", "pzconv"))
    ap.add_argument("--bench", default=os.path.join(HERE, "..", "..", "shared", "bench"))
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    shape = [int(v) for v in a.shape.split(",")]
    overlap = [int(v) for v in a.overlap.split(",")]
    dtype = np.dtype(a.volume_dtype)
    volume = os.path.join(a.work, "volume_%s_%s.npy" % ("x".join(map(str, shape)), a.volume_dtype))
    make_volume(volume, shape, dtype)
    voxels = int(np.prod(shape))
    print(f"volume {shape} {a.volume_dtype} ({voxels / 1e6:.1f} M voxels, {voxels * dtype.itemsize / 1e9:.2f} GB), "
          f"overlap {overlap}, {a.threads} threads", flush=True)

    output = os.path.join(a.work, "pzconv.zarr")
    wall, summary = run_pzconv(a, volume, output)
    outside = 1 - summary["model_seconds"] / summary["seconds"]
    print(f"pzconv: {wall:.1f} s wall ({summary['seconds']:.1f} s in predict), {voxels / wall:.3g} voxels/s, "
          f"{summary['tiles']} tiles ({summary.get('tiles_repeated', 0)} on column edges run twice), outside the model {outside:.1%} (input wait {summary['input_wait_seconds']:.1f} s), "
          f"peak RSS {summary['peak_rss_bytes'] / 2**20:.0f} MiB", flush=True)

    net_shape = [18, 192, 192]
    seconds, model_seconds, peak, monai_out = run_monai(a, a.net, volume, net_shape, overlap)
    print(f"MONAI + OpenVINO: {seconds:.1f} s, {voxels / seconds:.3g} voxels/s, outside the model "
          f"{1 - model_seconds / seconds:.1%}, peak RSS {peak / 2**20:.0f} MiB", flush=True)
    print(f"pzconv is {seconds / wall:.2f}x the speed of MONAI + OpenVINO on this volume", flush=True)

    sys.path.insert(0, HERE)
    try:
        import zarr
        ours = zarr.open_array(output, mode="r")[...]
        print(f"largest |pzconv - MONAI| over the volume: {np.abs(ours - monai_out).max():.3g}", flush=True)
    except ImportError:
        print("(zarr not installed here: outputs not compared)")


if __name__ == "__main__":
    main()
