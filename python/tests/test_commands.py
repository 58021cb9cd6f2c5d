"""import_model, export, verify, inspect: the command line's results and files."""
import numpy as np
import pytest

import pzconv
from conftest import REPOSITORY, golden


def test_import_and_export_write_what_the_command_line_writes(cli, tmp_path):
    model = REPOSITORY / "Fixtures/keras/unet3d_cf-k3/model.h5"
    ours = pzconv.import_model(model, tmp_path / "py.pzir", input_shape=(1, 2, 4, 12, 12), normalize="scale:1/255")
    cli("import", model, "-o", tmp_path / "cli.pzir", "--input-shape", "1,2,4,12,12", "--normalize", "scale:1/255")
    assert open(ours, "rb").read() == open(tmp_path / "cli.pzir", "rb").read()
    packed = pzconv.export(ours, tmp_path / "py.pz", simd=8)
    assert pzconv.inspect(packed)["packed"]["lanes"] == 8


def test_onnx_both_ways(cli, tmp_path):
    """A PyTorch ONNX model imported, exported back to ONNX and imported again:
    the files equal the command line's, and the net still gives ONNX Runtime's outputs."""
    model = REPOSITORY / "Fixtures/onnx/nnunet_3d/model.onnx"
    pzir = pzconv.import_model(model, tmp_path / "net.pzir")
    cli("import", model, "-o", tmp_path / "cli.pzir")
    assert open(pzir, "rb").read() == open(tmp_path / "cli.pzir", "rb").read()
    onnx_file = pzconv.export(pzir, tmp_path / "net.onnx", opset=18)
    again = pzconv.import_model(onnx_file, tmp_path / "again.pzir")
    net = pzconv.load(again)
    outputs = net(np.load(golden("onnx/nnunet_3d") / "input.npy"))
    for name, value in zip([o.name for o in net.outputs], outputs if isinstance(outputs, (list, tuple)) else [outputs]):
        expected = np.load(golden("onnx/nnunet_3d") / f"output.{name}.npy")
        assert np.abs(value.reshape(expected.shape) - expected).max() <= 1e-5 * max(1.0, np.abs(expected).max())
    with pytest.raises(pzconv.PZConvError, match="--opset 9: pzconv writes operator sets 13 to 21"):
        pzconv.export(pzir, tmp_path / "bad.onnx", opset=9)


def test_verify_reports_and_records(models, tmp_path):
    pzir, packed = models("caffe/eltwise_residual")
    report = pzconv.verify(pzir, golden=golden("caffe/eltwise_residual"))
    entry = report["entries"][0]
    assert entry["executor"] and all(check["holds"] and check["versus_golden"]["max_rel_error"] <= 1e-4
                                     for check in entry["executor"])
    record = pzconv.load(packed).verification
    assert record["tolerance"] == 1e-4 and any(p["outcome"] == "applied" for p in record["passes"])
    optimized = pzconv.optimize(pzir, tmp_path / "o.pzir")
    assert optimized["entries"][0]["record"]["passes"]
    assert pzconv.load(tmp_path / "o.pzir").verification is not None


def test_a_check_that_fails_raises_with_the_report(models, tmp_path):
    pzir, _ = models("caffe/eltwise_residual")
    x = np.load(golden("caffe/eltwise_residual") / "input.npy")
    np.save(tmp_path / "input.npy", x)
    # Golden outputs that are wrong on purpose: the unfused net disagrees with them.
    np.save(tmp_path / "output.out.npy", np.load(golden("caffe/eltwise_residual") / "output.out.npy") + 1)
    with pytest.raises(pzconv.CheckFailed) as raised:
        pzconv.verify(pzir, golden=tmp_path)
    assert isinstance(raised.value.report, dict) and raised.value.report["entries"]
