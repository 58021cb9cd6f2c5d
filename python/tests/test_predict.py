"""predict over NumPy, zarr and h5py arrays: the command line's output for the
same volume, bit for bit."""
import h5py
import numpy as np
import pytest
import zarr

import pzconv


@pytest.fixture(scope="module")
def volume(tmp_path_factory):
    directory = tmp_path_factory.mktemp("volume")
    values = np.random.default_rng(7).random((2, 10, 30, 25), dtype=np.float32)
    np.save(directory / "volume.npy", values)
    return directory, values


@pytest.mark.parametrize("options,cli_options", [
    ({}, []),
    ({"blend": "gaussian", "overlap": (2, 6, 6)}, ["--blend", "gaussian", "--overlap", "2,6,6"]),
    ({"blend": "crop", "chunk": (3, 7, 9), "channels": [2, 0]}, ["--blend", "crop", "--chunk", "3,7,9", "--channels", "2,0"]),
    ({"dtype": "uint8", "normalize": "scale:1/255"}, ["--dtype", "uint8", "--normalize", "scale:1/255"]),
    ({"dtype": "float16", "pad": "zero"}, ["--dtype", "float16", "--pad", "zero"]),
])
def test_numpy_volume_like_the_command_line(models, cli, volume, options, cli_options):
    directory, values = volume
    _, packed = models("keras/unet3d_cf-k3")
    out = directory / f"cli{len(cli_options)}.npy"
    cli("predict", packed, directory / "volume.npy", "-o", out, "--channel-axis", "first", "--overwrite", *cli_options)
    expected = np.load(out)
    net = pzconv.load(packed)
    ours = pzconv.predict(net, values, channel_axis="first", **options)
    assert ours.dtype == expected.dtype and ours.shape == expected.shape
    assert np.array_equal(ours.view(np.uint8), expected.view(np.uint8))
    assert net.last_prediction["tiles"] > 0


def test_zarr_and_h5py_in_and_out(models, cli, volume, tmp_path):
    directory, values = volume
    _, packed = models("keras/unet3d_cf-k3")
    cli("predict", packed, directory / "volume.npy", "-o", tmp_path / "cli.npy", "--channel-axis", "last"
        if False else "first")
    expected = np.load(tmp_path / "cli.npy")
    net = pzconv.load(packed)
    channels_last = zarr.open_array(str(tmp_path / "in.zarr"), mode="w", shape=(10, 30, 25, 2), chunks=(4, 16, 16, 2),
                                    dtype="float32")
    channels_last[:] = np.moveaxis(values, 0, -1)
    output = zarr.open_array(str(tmp_path / "out.zarr"), mode="w", shape=expected.shape, chunks=(3, 4, 12, 12),
                             dtype="float32")
    assert pzconv.predict(net, channels_last, output, channel_axis="last") is output
    assert np.array_equal(output[:], expected)
    with h5py.File(tmp_path / "volume.h5", "w") as file:
        file.create_dataset("raw", data=values, chunks=(1, 5, 10, 10))
        file.create_dataset("pred", shape=expected.shape, dtype="float32")
    with h5py.File(tmp_path / "volume.h5", "r+") as file:
        pzconv.predict(net, file["raw"], file["pred"], channel_axis="first")
        assert np.array_equal(file["pred"][:], expected)


def test_one_channel_volume_and_refusals(tmp_path, cli, models):
    _, packed = models("caffe/residual_block3d")
    net = pzconv.load(packed)
    single = np.random.default_rng(3).random((12, 40, 40), dtype=np.float32)
    if net.inputs[0].shape[1] == 1:
        np.save(tmp_path / "v.npy", single)
        cli("predict", packed, tmp_path / "v.npy", "-o", tmp_path / "o.npy")
        assert np.array_equal(pzconv.predict(net, single), np.load(tmp_path / "o.npy"))
    with pytest.raises(ValueError, match="channel_axis"):
        pzconv.predict(net, np.zeros((2, 4, 4, 4), np.float32))
    with pytest.raises(pzconv.PZConvError, match="--blend"):
        pzconv.predict(net, single, blend="median")
    wrong_channels = np.zeros((3, 12, 40, 40), np.float32)
    with pytest.raises(pzconv.PZConvError, match="channel"):
        pzconv.predict(net, wrong_channels, channel_axis="first")

    class Failing:
        shape = (12, 40, 40)

        def __getitem__(self, index):
            raise OSError("the disk went away")

    with pytest.raises(OSError, match="the disk went away"):
        pzconv.predict(net, Failing())


def test_uint8_encoding_of_values_a_net_should_not_give():
    """NaN, infinities and values outside 0…1 are stored as the command line
    stores them (ArrayDataType.encode): NaN as 0, the rest clamped."""
    from pzconv._predict import _encode

    values = np.array([np.nan, -1.0, 0.0, 0.2, 1.0, 2.0, np.inf, -np.inf], dtype=np.float32)
    assert list(_encode(values, "uint8")) == [0, 0, 0, 51, 255, 255, 255, 0]
