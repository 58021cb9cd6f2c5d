"""pzconv from Python: trained 3-D ConvNets (Caffe, Keras) run fast on CPUs.

    import pzconv
    net = pzconv.load("net.pz", threads=2)
    net.inputs            # [TensorInfo(name='data', layout='NCDHW', shape=(1, 1, 18, 192, 192))]
    y = net(x)            # NumPy in the source layout, batch axis optional
    prob = pzconv.predict(net, zarr.open("raw.zarr"), blend="gaussian")

    pzconv.import_model("model.h5", "net.pzir")
    pzconv.export("net.pzir", "net.pz")
    pzconv.verify("net.pzir")

Everything runs in libpzconv (include/pzconv.h); errors are PZConvError with
the message the pzconv command line prints.
"""
from ._commands import command, export, import_model, inspect, optimize, verify
from ._library import ArgumentError, CheckFailed, PZConvError, library
from ._net import Net, TensorInfo, load, load_bytes
from ._predict import predict

__all__ = [
    "ArgumentError", "CheckFailed", "Net", "PZConvError", "TensorInfo", "command", "export", "import_model", "inspect",
    "load", "load_bytes", "optimize", "predict", "verify", "version",
]


def version() -> str:
    """libpzconv's version."""
    return library().pzconv_version().decode()
