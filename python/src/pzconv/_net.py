"""A loaded model: `Net`, its inputs and outputs, and running it on NumPy arrays."""
from __future__ import annotations

import ctypes
import json
import os
import threading
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from . import _library as native

PathLike = Union[str, "os.PathLike[str]"]


class TensorInfo(NamedTuple):
    """An input or output of a model, as its source framework lays it out."""

    name: str
    #: The source layout: "NCDHW" (Caffe, channels_first Keras), "NDHWC"
    #: (channels_last Keras 3-D), "NCHW" / "NHWC" (2-D nets).
    layout: str
    #: The shape in that layout, batch first.
    shape: Tuple[int, ...]


class Net:
    """A pzconv model loaded by libpzconv: a `.pz` runs on the fast executor, a
    `.pzir` on the reference executor.

    ``net(x)`` runs it on NumPy arrays in the source model's layout (one per
    input; the batch axis may be left out, or hold several items, each run in
    turn) and returns float32 arrays in the same layout: one array for a model
    with one output, else a tuple in output order. The GIL is released while the
    model runs. A `Net` may be used from several threads (its runs take turns);
    two `Net`s run at the same time.
    """

    def __init__(self, handle: ctypes.c_void_p, name: str):
        self._handle = handle
        self.name = name
        self._lock = threading.Lock()
        counts = (native.library().pzconv_model_input_count(handle), native.library().pzconv_model_output_count(handle))
        self.inputs: List[TensorInfo] = self._describe(0, counts[0], native.LAYOUT_SOURCE)
        self.outputs: List[TensorInfo] = self._describe(1, counts[1], native.LAYOUT_SOURCE)
        self._ncdhw = tuple([info.shape for info in self._describe(kind, counts[kind], native.LAYOUT_NCDHW)]
                            for kind in (0, 1))
        #: The summary of the last `predict` with this net (tiles, voxels, seconds, voxels/s).
        self.last_prediction: Optional[Dict[str, Any]] = None

    # -- description ------------------------------------------------------------------

    def _describe(self, is_output: int, count: int, layout: int) -> List[TensorInfo]:
        return [self._tensor(is_output, index, layout) for index in range(count)]

    def _tensor(self, is_output: int, index: int, layout: int) -> TensorInfo:
        name, source_layout = ctypes.c_char_p(), ctypes.c_char_p()
        rank, shape, error = ctypes.c_size_t(), (ctypes.c_int64 * 5)(), ctypes.c_void_p()
        status = native.library().pzconv_model_tensor(self._checked_handle(), is_output, index, layout, ctypes.byref(name),
                                                      ctypes.byref(source_layout), ctypes.byref(rank), shape,
                                                      ctypes.byref(error))
        native.check(status, error)
        return TensorInfo(name.value.decode(), source_layout.value.decode(), tuple(shape[axis] for axis in range(rank.value)))

    def ncdhw_shapes(self) -> Tuple[List[Tuple[int, ...]], List[Tuple[int, ...]]]:
        """The inputs' and outputs' shapes in pzconv's canonical NCDHW layout."""
        return self._ncdhw

    def inspect(self) -> Dict[str, Any]:
        """The model as ``pzconv inspect --json`` reports it."""
        return json.loads(self._json(native.library().pzconv_model_inspect_json))

    @property
    def verification(self) -> Optional[Dict[str, Any]]:
        """The verification record the optimizer stored in the model (each pass
        and its error against the unfused net), or None."""
        return json.loads(self._json(native.library().pzconv_model_verification_json))

    def _json(self, function) -> str:
        text, error = ctypes.c_void_p(), ctypes.c_void_p()
        native.check(function(self._checked_handle(), ctypes.byref(text), ctypes.byref(error)), error)
        return native.take_string(text) or "null"

    # -- running ----------------------------------------------------------------------

    def __call__(self, *arrays: Any, threads: Optional[int] = None):
        results = self.run(arrays, threads=threads)
        values = tuple(results[output.name] for output in self.outputs)
        return values[0] if len(values) == 1 else values

    def run(self, inputs: Union[Sequence[Any], Dict[str, Any]], *, layout: str = "source",
            threads: Optional[int] = None) -> Dict[str, np.ndarray]:
        """Runs the model; returns ``{output name: array}``.

        inputs: arrays in input order, or ``{input name: array}``. layout:
        "source" (the source framework's, as `inputs` and `outputs` state) or
        "ncdhw" (pzconv's canonical 5-D layout). threads: worker threads for
        this run (default: those given to `load`)."""
        self._checked_handle()
        ordered = self._ordered(inputs)
        code = {"source": native.LAYOUT_SOURCE, "ncdhw": native.LAYOUT_NCDHW}.get(layout)
        if code is None:
            raise ValueError(f"layout must be 'source' or 'ncdhw', not {layout!r}")
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1, not {threads}")
        expected, output_shapes = self._ncdhw if code == native.LAYOUT_NCDHW else (
            [info.shape for info in self.inputs], [info.shape for info in self.outputs])
        batch, prepared = self._batched(ordered, expected)
        # One run, or one per item when the model takes one item and the arrays hold several.
        runs = batch if batch is not None and batch != expected[0][0] else 1
        items = []
        for item in range(runs):
            feeds = [array[item:item + 1] if runs > 1 else array for array in prepared]
            feeds = [np.ascontiguousarray(feed, dtype=np.float32).reshape(shape) for feed, shape in zip(feeds, expected)]
            items.append(self._run_once(feeds, output_shapes, code, threads or 0))
        results = {}
        for index, output in enumerate(self.outputs):
            values = [item[index] for item in items]
            if batch is None:
                results[output.name] = values[0].reshape(output_shapes[index][1:])
            else:
                results[output.name] = values[0] if runs == 1 else np.concatenate(values, axis=0)
        return results

    def _ordered(self, inputs) -> List[Any]:
        if isinstance(inputs, dict):
            unknown = set(inputs) - {info.name for info in self.inputs}
            if unknown:
                raise native.ArgumentError(f"{self.name} has no input named {sorted(unknown)[0]!r} "
                                           f"(its inputs: {', '.join(info.name for info in self.inputs)})", 1)
            missing = [info.name for info in self.inputs if info.name not in inputs]
            if missing:
                raise native.ArgumentError(f"{self.name}: no array given for input {missing[0]!r}", 1)
            return [inputs[info.name] for info in self.inputs]
        if len(inputs) != len(self.inputs):
            raise native.ArgumentError(f"{self.name} takes {len(self.inputs)} input(s) "
                                       f"({', '.join(info.name for info in self.inputs)}), got {len(inputs)}", 1)
        return list(inputs)

    def _batched(self, arrays: List[Any], expected: List[Tuple[int, ...]]):
        """The batch size (None: the arrays left the batch axis out) and the arrays."""
        prepared = [np.asarray(array) for array in arrays]
        forms = set()
        for info, array, shape in zip(self.inputs, prepared, expected):
            if array.shape == tuple(shape[1:]):
                forms.add(None)
            elif array.ndim == len(shape) and array.shape[1:] == tuple(shape[1:]) and (
                    array.shape[0] == shape[0] or shape[0] == 1):
                forms.add(array.shape[0])
            else:
                raise native.ArgumentError(f"{self.name}: input {info.name!r} has shape {array.shape}; the model takes "
                                           f"{tuple(shape)} ({info.layout}; the batch axis may be left out)", 1)
        if len(forms) != 1:
            raise native.ArgumentError(f"{self.name}: the inputs disagree on the batch: {sorted(map(str, forms))}", 1)
        return forms.pop(), prepared

    def _run_once(self, feeds: List[np.ndarray], output_shapes, layout: int, threads: int) -> List[np.ndarray]:
        outputs = [np.empty(shape, dtype=np.float32) for shape in output_shapes]
        input_pointers = (native.c_float_p * max(1, len(feeds)))(*[feed.ctypes.data_as(native.c_float_p) for feed in feeds])
        output_pointers = (native.c_float_p * max(1, len(outputs)))(
            *[output.ctypes.data_as(native.c_float_p) for output in outputs])
        error = ctypes.c_void_p()
        status = native.library().pzconv_model_run(self._checked_handle(), input_pointers, len(feeds), output_pointers,
                                                   len(outputs), layout, threads, ctypes.byref(error))
        native.check(status, error)
        return outputs

    # -- lifetime ---------------------------------------------------------------------

    def _checked_handle(self) -> ctypes.c_void_p:
        if not self._handle:
            raise ValueError(f"{self.name}: the model was closed")
        return self._handle

    def close(self) -> None:
        """Frees the model now (it is freed with the object otherwise)."""
        handle, self._handle = self._handle, None
        if handle:
            native.library().pzconv_model_free(handle)

    def __enter__(self) -> "Net":
        return self

    def __exit__(self, *exception) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        inputs = ", ".join(f"{info.name} {info.shape} {info.layout}" for info in self.inputs)
        outputs = ", ".join(f"{info.name} {info.shape}" for info in self.outputs)
        return f"<pzconv.Net {self.name}: {inputs} -> {outputs}>"


def load(path: PathLike, threads: int = 0) -> Net:
    """Loads a `.pz` (fast executor) or `.pzir` (reference executor) file.
    threads: worker threads of the fast executor (0: every core)."""
    if threads < 0:
        raise ValueError(f"threads must be 0 (every core) or more, not {threads}")
    handle, error = ctypes.c_void_p(), ctypes.c_void_p()
    name = os.fspath(path)
    status = native.library().pzconv_model_load(name.encode(), threads, ctypes.byref(handle), ctypes.byref(error))
    native.check(status, error)
    return Net(handle, name)


def load_bytes(data: bytes, format: str = "pz", threads: int = 0) -> Net:
    """Loads a model from the bytes of a `.pz` (format "pz") or `.pzir` ("pzir") file."""
    handle, error = ctypes.c_void_p(), ctypes.c_void_p()
    data = bytes(data)
    status = native.library().pzconv_model_load_memory(data, len(data), format.encode(), threads, ctypes.byref(handle),
                                                       ctypes.byref(error))
    native.check(status, error)
    return Net(handle, f"({format} model in memory)")
