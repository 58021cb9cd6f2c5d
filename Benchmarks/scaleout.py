"""Scale-out benchmark: `pzconv predict` over one volume as 1, 2 and 4 shards run
at once on this machine, the cores shared (threads per task = cores / tasks, at
least 1), as the tasks of a SLURM array would run them; throughput in voxels/s,
and the cost of sharding against the ideal.

usage: scaleout.py [--pz Benchmarks/.work/residual_unet3d.auto.pz] [--shape 36,768,768] [--overlap 4,32,32]
                   [--tasks 1,2,4] [--cores 2] [--engine processes|slurm] [--repeat 1]
                   [--work Benchmarks/.work/scaleout] [--pzconv .build/release/pzconv]

--engine processes starts the N `pzconv predict --shard I/N` processes itself;
--engine slurm writes the array with `pzconv submit slurm --tasks N --cpus-per-task
cores/N --now` and waits for it (needs SLURM_CONF and a running SLURM, as
Scripts/slurm.sh starts; with more tasks than cores, SLURM runs cores of them at a
time). The volume is the uint8 smoothed noise of volume.py; chunks are the output
patch; --overlap as in volume.py (4,32,32).

Prints per task count: wall seconds (first start to last end), voxels/s, the
tiles all shards ran against the tiles of one run (the halo: a tile whose output
touches two shards' chunks runs in both), and the throughput against the ideal
(the 1-task rate: the cores are the same). The median over --repeat runs.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from volume import make_volume  # noqa: E402

import numpy as np  # noqa: E402


def run_processes(a, volume, output, tasks, threads):
    start = time.perf_counter()
    processes = [subprocess.Popen([a.pzconv, "predict", a.pz, volume, "-o", output, "--json", "--normalize",
                                   "scale:1/255", "--overlap", a.overlap, "--threads", str(threads),
                                   "--shard", f"{index}/{tasks}"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for index in range(tasks)]
    summaries = []
    for process in processes:
        out, _ = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"a shard failed (exit {process.returncode})")
        summaries.append(json.loads(out.strip().splitlines()[-1]))
    return time.perf_counter() - start, summaries


def run_slurm(a, volume, output, tasks, threads):
    script_dir = os.path.join(a.work, f"slurm-{tasks}")
    os.makedirs(script_dir, exist_ok=True)
    start = time.perf_counter()
    submitted = subprocess.run([a.pzconv, "submit", "slurm", a.pz, volume, "-o", output, "--tasks", str(tasks),
                                "--cpus-per-task", str(threads), "--memory", "4G", "--now",
                                "--script", os.path.join(script_dir, "job.sh"), "--logs", os.path.join(script_dir, "logs"),
                                "--", "--json", "--normalize", "scale:1/255", "--overlap", a.overlap],
                               capture_output=True, text=True, check=True).stdout
    job = submitted.split("submitted job ")[1].split()[0]
    while subprocess.run(["squeue", "-h", "-j", job], capture_output=True, text=True).stdout.strip():
        time.sleep(0.5)
    wall = time.perf_counter() - start
    summaries = []
    for name in os.listdir(os.path.join(script_dir, "logs")):
        if name.endswith(".log") and f"-{job}_" in name:
            lines = [line for line in open(os.path.join(script_dir, "logs", name)) if line.startswith("{")]
            summaries.append(json.loads(lines[-1]))
    if len(summaries) != tasks:
        raise SystemExit(f"job {job}: {len(summaries)} of {tasks} tasks left a summary (see {script_dir}/logs)")
    return wall, summaries


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pz", default=os.path.join(HERE, ".work", "residual_unet3d.auto.pz"))
    ap.add_argument("--shape", default="36,768,768")
    ap.add_argument("--overlap", default="4,32,32")
    ap.add_argument("--tasks", default="1,2,4")
    ap.add_argument("--cores", type=int, default=os.cpu_count())
    ap.add_argument("--engine", choices=["processes", "slurm"], default="processes")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--work", default=os.path.join(HERE, ".work", "scaleout"))
    ap.add_argument("--pzconv", default=os.path.join(HERE, "..", ".build", "release", "pzconv"))
    a = ap.parse_args()
    a.pzconv = os.path.abspath(a.pzconv)
    os.makedirs(a.work, exist_ok=True)
    shape = [int(v) for v in a.shape.split(",")]
    volume = os.path.join(a.work, "volume_%s_uint8.npy" % "x".join(map(str, shape)))
    make_volume(volume, shape, np.dtype(np.uint8))
    voxels = int(np.prod(shape))
    print(f"volume {shape} uint8 ({voxels / 1e6:.1f} M voxels), {a.cores} cores, engine {a.engine}, "
          f"median of {a.repeat}", flush=True)
    run = run_processes if a.engine == "processes" else run_slurm
    reference = None
    single_tiles = None
    base_rate = None
    for tasks in [int(t) for t in a.tasks.split(",")]:
        threads = max(1, a.cores // tasks)
        walls = []
        for _ in range(a.repeat):
            output = os.path.join(a.work, f"out-{tasks}.zarr")
            shutil.rmtree(output, ignore_errors=True)
            wall, summaries = run(a, volume, output, tasks, threads)
            walls.append(wall)
        wall = statistics.median(walls)
        tiles = sum(s["tiles"] for s in summaries)
        if single_tiles is None:
            single_tiles = tiles
            reference = output
        rate = voxels / wall
        if tasks == 1:
            base_rate = rate
        same = "n/a"
        if reference != output:
            same = "yes" if all(
                open(os.path.join(reference, n), "rb").read() == open(os.path.join(output, n), "rb").read()
                for n in os.listdir(reference) if not n.startswith(".p")) else "NO"
        print(f"{tasks} task(s) × {threads} thread(s): {wall:.1f} s, {rate:.3g} voxels/s "
              f"({rate / base_rate:.1%} of the 1-task rate), tiles run {tiles} vs {single_tiles} in one run "
              f"(+{tiles / single_tiles - 1:.1%} halo), slowest shard {max(s['seconds'] for s in summaries):.1f} s, "
              f"fastest {min(s['seconds'] for s in summaries):.1f} s, bytes equal to 1 task: {same}", flush=True)


if __name__ == "__main__":
    main()
