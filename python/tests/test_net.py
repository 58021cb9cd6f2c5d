"""Net: outputs equal the command line's bit for bit on every fixture, batches,
layouts, threads, the GIL, and memory over many load/run/free cycles."""
import re
import threading
import time

import numpy as np
import pytest

import pzconv
from conftest import FIXTURES, golden


def bits(array):
    return np.ascontiguousarray(array, dtype=np.float32).view(np.uint32)


@pytest.mark.parametrize("name", [entry[0] for entry in FIXTURES])
def test_every_fixture_runs_like_the_command_line(name, models, cli, tmp_path):
    pzir, packed = models(name)
    x = np.load(golden(name) / "input.npy")
    for model in (packed, pzir):
        with pzconv.load(model, threads=2) as net:
            assert [info.shape for info in net.inputs] == [x.shape]
            outputs = net.run([x])
            files = [tmp_path / f"{index}.npy" for index in range(len(net.outputs))]
            cli("run", model, golden(name) / "input.npy", *[word for f in files for word in ("-o", f)])
            for info, path in zip(net.outputs, files):
                expected = np.load(path)
                assert outputs[info.name].shape == expected.shape == info.shape
                assert np.array_equal(bits(outputs[info.name]), bits(expected)), f"{model}: {info.name}"
                # and the source framework's own output, within the suite's tolerance
                framework = np.load(golden(name) / f"output.{info.name}.npy")
                assert np.abs(outputs[info.name] - framework).max() <= 1e-4 * max(1.0, np.abs(framework).max())


def test_batch_axis_optional_and_several_items(models):
    _, packed = models("keras/residual3d_cl-k3")
    net = pzconv.load(packed)
    x = np.load(golden("keras/residual3d_cl-k3") / "input.npy")
    head, avg, mx = net(x)
    single = net(x[0])
    assert [a.shape for a in single] == [a.shape[1:] for a in (head, avg, mx)]
    assert all(np.array_equal(a[0], b) for a, b in zip((head, avg, mx), single))
    pair = net(np.concatenate([x, x * 0.5]))
    assert pair[0].shape[0] == 2 and np.array_equal(pair[0][0], head[0])
    assert np.array_equal(pair[0][1], net(x * 0.5)[0][0])
    assert np.array_equal(net(x.astype(np.float64))[0], head)  # any dtype is converted to float32


def test_ncdhw_layout_is_the_same_values_reordered(models):
    _, packed = models("keras/residual3d_cl-k3")
    net = pzconv.load(packed)
    x = np.load(golden("keras/residual3d_cl-k3") / "input.npy")  # NDHWC
    source = net.run([x])
    canonical = net.run([np.moveaxis(x, -1, 1)], layout="ncdhw")
    for info in net.outputs:
        assert np.array_equal(np.moveaxis(source[info.name], -1, 1), canonical[info.name])


def test_errors_are_exceptions_with_the_command_lines_message(models, cli, tmp_path):
    _, packed = models("caffe/residual_block3d")
    data = open(packed, "rb").read()
    truncated = tmp_path / "truncated.pz"
    truncated.write_bytes(data[: len(data) // 2])
    garbage = tmp_path / "garbage.pzir"
    garbage.write_bytes(b"{\"format\": 7}")
    x = tmp_path / "x.npy"
    np.save(x, np.load(golden("caffe/residual_block3d") / "input.npy"))
    for model in (truncated, garbage, tmp_path / "absent.pz"):
        with pytest.raises(pzconv.PZConvError) as raised:
            pzconv.load(model)
        line = cli("run", model, x, check=False).stderr.strip().splitlines()[-1]
        assert line == "Error: " + str(raised.value)
        assert raised.value.status == 2

    damaged = tmp_path / "damaged.h5"
    damaged.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(200))
    with pytest.raises(pzconv.PZConvError) as raised:
        pzconv.import_model(damaged, tmp_path / "d.pzir")
    assert str(damaged) in str(raised.value) and not (tmp_path / "d.pzir").exists()
    assert "Error: " + str(raised.value) == cli("import", damaged, "-o", tmp_path / "d.pzir", check=False).stderr.strip()

    with pytest.raises(pzconv.ArgumentError, match="--colour"):
        pzconv.command("inspect", packed, "--colour")
    with pytest.raises(pzconv.ArgumentError, match="command line"):
        pzconv.command("run", packed, x)
    net = pzconv.load(packed)
    with pytest.raises(pzconv.ArgumentError, match="takes 1 input"):
        net(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="has shape"):
        net(np.zeros((2, 2)))
    net.close()
    with pytest.raises(ValueError, match="closed"):
        net(np.zeros(3))


def test_two_handles_in_two_threads_give_the_single_results(models):
    _, packed = models("caffe-fork/residual_unet3d")
    x = np.load(golden("caffe-fork/residual_unet3d") / "input.npy")
    nets = [pzconv.load(packed, threads=1) for _ in range(2)]
    alone = nets[0](x)
    results = [None, None]

    def work(index):
        results[index] = [nets[index](x) for _ in range(3)]

    threads = [threading.Thread(target=work, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for runs in results:
        assert all(np.array_equal(bits(run), bits(alone)) for run in runs)
    # one handle shared by two threads: the runs take turns, same results
    shared = [None, None]

    def share(index):
        shared[index] = nets[0](x)

    threads = [threading.Thread(target=share, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(np.array_equal(result, alone) for result in shared)


def test_the_gil_is_released_while_the_model_runs(models):
    pzir, _ = models("caffe-fork/residual_unet3d")
    net = pzconv.load(pzir)  # the reference executor: a run long enough to watch
    x = np.load(golden("caffe-fork/residual_unet3d") / "input.npy")
    started = time.perf_counter()
    net(x)
    alone = time.perf_counter() - started
    ticks = [0]
    running = threading.Event()

    def count():
        while not running.is_set():
            pass
        while running.is_set():
            ticks[0] += 1

    counter = threading.Thread(target=count)
    counter.start()
    running.set()
    net(x)
    running.clear()
    counter.join()
    # A Python loop counts millions per second; with the GIL held it would barely start.
    assert ticks[0] > 1000 * alone, (ticks[0], alone)


def resident_kib():
    return int(re.search(r"VmRSS:\s+(\d+)", open("/proc/self/status").read()).group(1))


def test_no_leak_over_a_thousand_load_run_free_cycles(models):
    _, packed = models("keras/residual3d_cl-k3")
    x = np.load(golden("keras/residual3d_cl-k3") / "input.npy")
    data = open(packed, "rb").read()

    def cycle(index):
        net = pzconv.load(packed, threads=1) if index % 2 else pzconv.load_bytes(data, "pz", threads=1)
        net(x)
        net.inspect()
        net.close()

    for index in range(200):  # warm-up: allocator pools, caches
        cycle(index)
    before = resident_kib()
    for index in range(1000):
        cycle(index)
    grown = resident_kib() - before
    assert grown < 8 * 1024, f"resident memory grew {grown} KiB over 1,000 cycles"
