"""The model file: saves are atomic, files are plain data, loads are restricted and checked, and the
audit is the loader's own verdict.

Every malicious or crafted file here is made at test time. Each payload creates a marker file when
it runs; the controls show that plain `joblib.load` does run it, and the tests that `artifact.load`
and `artifact.audit` never do.
"""

import bz2
import copy
import functools
import gzip
import io
import os
import pathlib
import pickle
import pickletools
import re
import stat
import subprocess
import sys
import time
import tracemalloc
import warnings
import zlib

import joblib
import numpy as np
import pytest
from helpers import assert_same, said
from joblib.numpy_pickle_compat import write_zfile
from joblib.numpy_pickle_utils import _validate_fileobject_and_memmap

from rnncli.errors import ArtifactError, RnncliError, UnsafeArtifactError
from rnncli.io import artifact, plaindata, timelabels
from rnncli.io.artifact import atomic_write, audit, load, save
from rnncli.model.forecaster import FORMAT, FORMAT_VERSION, Forecaster
from rnncli.text import escape_controls

AIRLINE = pathlib.Path(__file__).resolve().parents[2] / "sample_data" / "airline.csv"

HEADER = {"format": FORMAT, "format_version": FORMAT_VERSION}


@pytest.fixture(scope="module")
def fitted() -> Forecaster:
    return Forecaster(past=4, future=2, hidden=4, epochs=2).fit(np.sin(np.arange(60.0)))


@pytest.fixture
def model(fitted) -> dict:
    return fitted.to_dict()


def load_error(exc_type: type[Exception], path) -> str:
    """The message of the error load(path) raises: exactly `exc_type`, on one line; audit agrees."""
    with pytest.raises(ArtifactError) as info:
        load(path)
    assert type(info.value) is exc_type
    message = str(info.value)
    assert "\n" not in message
    if os.path.isfile(path):
        assert audit(path) == {**audit(path), "safe": False, "reasons": [message]}
    return said(message)  # as the command line says it


def arrays_of(data) -> list:
    """(dtype str, shape, order) of every array in `data`, in the order pickle writes them."""
    if isinstance(data, dict):
        return [h for v in data.values() for h in arrays_of(v)]
    if isinstance(data, (list, tuple)):
        return [h for v in data for h in arrays_of(v)]
    if isinstance(data, np.ndarray):
        order = "F" if data.flags.f_contiguous and not data.flags.c_contiguous else "C"
        return [{"dtype": data.dtype.newbyteorder("<").str, "shape": list(data.shape), "order": order}]
    return []


# -- round trips ------------------------------------------------------------------------------------


def test_a_saved_model_loads_back_identical(model, tmp_path):
    save(model, tmp_path / "m.joblib")
    assert_same(load(tmp_path / "m.joblib"), model)


def test_a_loaded_model_forecasts_like_the_original(fitted, tmp_path):
    save(fitted.to_dict(), tmp_path / "m.joblib")
    again = Forecaster.from_dict(load(tmp_path / "m.joblib"))
    np.testing.assert_array_equal(again.predict().values, fitted.predict().values)


@pytest.mark.parametrize("compress", [0, 3])
def test_a_real_artifact_names_no_global_and_makes_no_object(compress, model, tmp_path):
    save(model, tmp_path / "m.joblib", compress=compress)
    with open(tmp_path / "m.joblib", "rb") as f, _validate_fileobject_and_memmap(f, "m", None) as (stream, _):
        ops = {op.name for op, _, _ in pickletools.genops(stream.read())}
    assert ops.isdisjoint({"GLOBAL", "STACK_GLOBAL", "REDUCE", "BUILD", "NEWOBJ", "NEWOBJ_EX", "INST", "OBJ"})
    assert audit(tmp_path / "m.joblib")["globals"] == []


def test_plain_joblib_load_of_a_model_file_gives_plain_data(model, tmp_path):
    save(model, tmp_path / "m.joblib")
    raw = joblib.load(tmp_path / "m.joblib")
    flat = raw["network"]["flat"]
    assert flat.keys() == {"__ndarray__", "shape", "order", "bytes"}
    n = len(model["network"]["flat"])
    assert (flat["__ndarray__"], flat["shape"], flat["order"]) == ("<f4", [n], "C")
    np.testing.assert_array_equal(np.frombuffer(flat["bytes"], "<f4"), model["network"]["flat"])
    assert raw["columns"] == model["columns"]


def test_the_trainer_rng_state_keeps_integers_wider_than_64_bits(model, tmp_path):
    save(model, tmp_path / "m.joblib")
    state = load(tmp_path / "m.joblib")["trainer"]["rng_state"]
    assert state == model["trainer"]["rng_state"]
    assert state["state"]["state"] > 2**64


SHAPES = [(), (0,), (3, 0), (4,), (2, 3), (2, 3, 4)]


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", ["bool", "int8", "int64", "uint16", "float16", "float32", "float64",
                                   "complex128"])
def test_arrays_round_trip_in_every_numeric_dtype_shape_and_order(dtype, order, tmp_path):
    rng = np.random.default_rng(0)
    arrays = [np.asarray(rng.normal(size=shape) * 100, order=order).astype(dtype, order=order)
              for shape in SHAPES]
    save({**_minimal_model(), "arrays": arrays}, tmp_path / "m.joblib")
    for got, want in zip(load(tmp_path / "m.joblib")["arrays"], arrays, strict=True):
        np.testing.assert_array_equal(got, want, strict=True)
        assert got.flags.f_contiguous == want.flags.f_contiguous
        assert got.flags.writeable


@pytest.mark.parametrize("compress", [0, 3, 9, ("zlib", 3), ("gzip", 3), ("bz2", 3), ("lzma", 1), ("xz", 1)])
def test_every_compression_setting_round_trips(compress, model, tmp_path):
    if isinstance(compress, tuple) and compress[0] in ("lzma", "xz"):
        pytest.importorskip("lzma")
    if isinstance(compress, tuple) and compress[0] == "bz2":
        pytest.importorskip("bz2")
    save(model, tmp_path / "m.joblib", compress=compress)
    assert_same(load(tmp_path / "m.joblib"), model)


def test_compression_is_on_by_default(model, tmp_path):
    save(model, tmp_path / "small.joblib")
    save(model, tmp_path / "raw.joblib", compress=0)
    assert os.path.getsize(tmp_path / "small.joblib") < os.path.getsize(tmp_path / "raw.joblib")


def test_big_endian_arrays_load_with_the_same_values_in_native_order(tmp_path):
    big = np.arange(6, dtype=">f8").reshape(2, 3)
    save({**_minimal_model(), "big": big}, tmp_path / "m.joblib")
    got = load(tmp_path / "m.joblib")["big"]
    assert got.dtype == np.dtype("f8")
    assert got.dtype.isnative
    np.testing.assert_array_equal(got, big)


class Tagged(np.ndarray):
    """An ndarray subclass, which would pickle its own class as a global."""


def test_non_contiguous_arrays_and_array_subclasses_save_as_plain_arrays(tmp_path):
    strided = np.arange(20.0)[::3]
    mapped = np.memmap(tmp_path / "a.dat", dtype="f8", mode="w+", shape=(2, 2))
    mapped[:] = np.eye(2)
    save({**_minimal_model(), "strided": strided, "tagged": np.eye(2).view(Tagged), "mapped": mapped},
         tmp_path / "m.joblib")
    got = load(tmp_path / "m.joblib")
    assert (type(got["tagged"]), type(got["mapped"])) == (np.ndarray, np.ndarray)
    np.testing.assert_array_equal(got["strided"], strided, strict=True)
    np.testing.assert_array_equal(got["tagged"], np.eye(2), strict=True)
    np.testing.assert_array_equal(got["mapped"], np.eye(2), strict=True)
    del mapped


def test_numpy_scalars_are_saved_as_python_numbers(tmp_path):
    data = {**_minimal_model(), "lr": np.float64(0.1), "epochs": np.int64(3), "ok": np.bool_(True),
            "name": np.str_("x"), np.int32(7): "numpy key", "nested": [np.float32(0.5), (np.uint8(2),)]}
    save(data, tmp_path / "m.joblib")
    got = load(tmp_path / "m.joblib")
    assert (got["lr"], got["epochs"], got["ok"], got["name"], got[7]) == (0.1, 3, True, "x", "numpy key")
    assert [type(got[k]) for k in ("lr", "epochs", "ok", "name")] == [float, int, bool, str]
    assert got["nested"] == [0.5, (2,)]
    assert type(got["nested"][1][0]) is int
    assert audit(tmp_path / "m.joblib")["safe"]


def test_a_file_written_by_plain_joblib_dump_of_to_dict_is_refused_naming_the_global(model, tmp_path):
    path = tmp_path / "m.joblib"
    joblib.dump(model, path, compress=3)  # arrays pickled as NumPy objects
    assert load_error(UnsafeArtifactError, path) == (
        f"'{path}' asks for the global joblib.numpy_pickle.NumpyArrayWrapper, which rnncli's safe loader "
        "refuses; re-train the model or get it from a source you trust")


def test_a_model_file_of_format_1_is_refused_naming_its_format(model, tmp_path):
    """Format 1 (rnncli before plain-data files) pickled NumPy objects; it gets a clear error."""
    path = tmp_path / "old.joblib"
    joblib.dump({**model, "format_version": 1}, path, compress=3, protocol=4)
    assert load_error(ArtifactError, path) == (
        f"'{path}' is a model file of format 1, which stored NumPy objects; this rnncli reads format 2, "
        "plain data only: re-train the model with this rnncli")
    assert audit(path)["safe"] is False


@pytest.mark.parametrize(("value", "message"), [
    ({1, 2}, "cannot save data['bad']: set is not plain data"),
    (object(), "cannot save data['bad']: object is not plain data"),
    (np.array(["a"], dtype=object), "cannot save data['bad']: arrays must be numeric"),
    (np.array(["abc"]), "cannot save data['bad']: arrays must be numeric"),
    ([1, {"deep": b"bytes"}], "cannot save data['bad'][1]['deep']: bytes is not plain data"),
    ({"__ndarray__": "<f8"}, "cannot save data['bad']: the key '__ndarray__' is reserved for arrays"),
    (np.zeros(2, dtype=np.longdouble), "cannot save data['bad']: arrays must be numeric"),
    (np.complex128(1j), "cannot save data['bad']: complex is not plain data"),
])
def test_save_refuses_what_is_not_plain_data_before_writing(value, message, tmp_path):
    path = tmp_path / "m.joblib"
    path.write_bytes(b"old model")
    with pytest.raises(TypeError, match=r"^" + re.escape(message)):
        save({**_minimal_model(), "bad": value}, path)
    assert path.read_bytes() == b"old model"
    assert os.listdir(tmp_path) == ["m.joblib"]


def test_save_refuses_an_array_larger_than_a_model_file_may_hold(tmp_path, monkeypatch):
    monkeypatch.setattr(artifact, "MAX_ARRAY_ELEMENTS", 40)  # the tiny model's arrays have up to 38
    with pytest.raises(ArtifactError, match=r"^cannot save data\['big'\]: 41 elements, more than the 40 "):
        save({**_minimal_model(), "big": np.zeros(41)}, tmp_path / "m.joblib")
    assert not (tmp_path / "m.joblib").exists()


def _nested(levels: int) -> list:
    value = []
    for _ in range(levels - 1):
        value = [value]
    return value


def test_save_accepts_exactly_the_nesting_that_load_accepts(tmp_path):
    deepest = _nested(artifact.MAX_DEPTH - 1)  # under the top-level dict: MAX_DEPTH containers deep
    save({**_minimal_model(), "deep": deepest}, tmp_path / "m.joblib")
    assert load(tmp_path / "m.joblib")["deep"] == deepest
    with pytest.raises(TypeError, match=r"nested deeper than 100 levels"):
        save({**_minimal_model(), "deep": [deepest]}, tmp_path / "m.joblib")


@functools.cache
def _tiny_model() -> dict:
    model = Forecaster(past=3, future=2, hidden=2, epochs=1, scale="minmax")
    return model.fit(np.sin(np.arange(30.0))).to_dict()


def _minimal_model() -> dict:
    """A valid model dict, small and quick (a fresh copy each time)."""
    return copy.deepcopy(_tiny_model())


# -- load errors: every one an ArtifactError of one line naming the file --------------------------------


def test_a_missing_file_is_named(tmp_path):
    path = tmp_path / "nope.joblib"
    assert load_error(ArtifactError, path) == f"no such model file '{path}'"


def test_a_directory_is_not_a_model_file(tmp_path):
    assert load_error(ArtifactError, tmp_path) == (
        f"'{tmp_path}' is a directory, not a model file; pass the model file itself")


def _gzip_csv(path):
    path.write_bytes(gzip.compress(b"month,passengers\n1949-01,112\n1949-02,118\n"))


def _npz(path):
    with open(path, "wb") as f:
        np.savez(f, x=np.arange(3.0))


def _npy(path):
    with open(path, "wb") as f:
        np.save(f, np.arange(3.0))


def _zlib_npy(path):
    buffer = io.BytesIO()
    np.save(buffer, np.arange(3.0))
    path.write_bytes(zlib.compress(buffer.getvalue()))


def _bz2_binary(path):
    path.write_bytes(bz2.compress(bytes(range(255, -1, -1))))


NOT_MODELS = {
    "gzip csv": (_gzip_csv, "gzip-compressed data (a compressed CSV?)"),
    "npz": (_npz, "a NumPy .npz archive"),
    "npy": (_npy, "a NumPy .npy file"),
    "zlib npy": (_zlib_npy, "zlib-compressed data holding a NumPy .npy file"),
    "bz2 binary": (_bz2_binary, "bzip2-compressed data that is not a model"),
}


@pytest.mark.parametrize("kind", NOT_MODELS)
def test_a_file_that_is_no_model_is_named_by_its_first_bytes(kind, tmp_path):
    write, what = NOT_MODELS[kind]
    path = tmp_path / "sales.csv"
    write(path)
    assert load_error(ArtifactError, path) == (f"'{path}' is not an rnncli model file: it is {what}; "
                                               "pass the model file written by rnncli train")


@pytest.mark.parametrize("compress", [3, ("gzip", 3), ("bz2", 3)])
def test_a_compressed_model_starting_like_compressed_data_still_loads(compress, model, tmp_path):
    path = tmp_path / "m.joblib"
    save(model, path, compress=compress)
    assert path.read_bytes()[:1] in (b"\x78", b"\x1f", b"B")
    assert audit(path)["safe"]
    assert_same(load(path), model)


def test_an_empty_file_is_corrupt(tmp_path):
    path = tmp_path / "m.joblib"
    path.write_bytes(b"")
    assert load_error(ArtifactError, path) == (
        f"'{path}' is corrupt or truncated: the file is empty; re-train or re-download it")


@pytest.mark.parametrize("compress", [0, 3])
def test_a_truncated_file_is_corrupt(compress, model, tmp_path):
    path = tmp_path / "m.joblib"
    save(model, path, compress=compress)
    path.write_bytes(path.read_bytes()[: os.path.getsize(path) // 2])
    message = load_error(ArtifactError, path)
    assert message.startswith(f"'{path}' is corrupt or truncated: ")
    assert message.endswith("; re-train or re-download it")


def test_data_after_the_end_of_the_pickle_is_corrupt(model, tmp_path):
    path = tmp_path / "m.joblib"
    save(model, path, compress=0)
    path.write_bytes(path.read_bytes() + b"\x00")
    assert load_error(ArtifactError, path) == (f"'{path}' is corrupt or truncated: unexpected data after "
                                               "the end of the pickle; re-train or re-download it")


def test_a_joblib_file_of_a_list_is_not_a_model(tmp_path):
    path = tmp_path / "m.joblib"
    joblib.dump([1, 2, 3], path)
    assert load_error(ArtifactError, path) == (
        f"'{path}' is not an rnncli model (it holds a list); pass a model file saved by rnncli")


def test_a_dict_of_another_format_is_not_a_model(tmp_path):
    path = tmp_path / "m.joblib"
    joblib.dump({"format": "sklearn", "coef": [1.0, 2.0]}, path)
    assert load_error(ArtifactError, path) == (f"'{path}' is not an rnncli model (its 'format' is not "
                                               "'rnncli-model'); pass a model file saved by rnncli")


def test_a_newer_format_version_asks_for_an_upgrade(model, tmp_path):
    path = tmp_path / "m.joblib"
    save({**model, "format_version": 3}, path)
    assert load_error(ArtifactError, path) == (
        f"'{path}' was written by a newer rnncli (format 3); upgrade rnncli")


@pytest.mark.parametrize(("change", "problem"), [
    ({"format_version": "1"}, "'format_version' is '1', not a positive integer"),
    ({"format_version": 0}, "'format_version' is 0, not a positive integer"),
    ({"network": None}, "'network' should be a dict, got None"),
    ({"columns": ["a", 1]}, "'columns[1]' should be a str of at most 10000 characters, got 1"),
    ({"target_idx": [True]}, "'target_idx[0]' is True, not a column index in [0, 0]"),
    ({"time": "2020"}, "'time' should be a dict, got '2020'"),
])
def test_a_model_missing_what_from_dict_needs_is_invalid(change, problem, model, tmp_path):
    path = tmp_path / "m.joblib"
    save({**model, **change}, path)
    assert load_error(ArtifactError, path) == (
        f"'{path}' is not a valid rnncli model: {problem}; re-train or re-download it")


def test_a_model_without_a_required_key_is_invalid(model, tmp_path):
    path = tmp_path / "m.joblib"
    save({k: v for k, v in model.items() if k != "history"}, path)
    assert load_error(ArtifactError, path) == (
        f"'{path}' is not a valid rnncli model: 'history' is missing; re-train or re-download it")


# -- malicious files: refused, and the payload never runs ----------------------------------------------


class TouchOnLoad:
    """The classic pickle payload: unpickling it calls Path.touch(marker)."""

    def __init__(self, marker):
        self.marker = pathlib.Path(marker)

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


class EvalOnLoad(TouchOnLoad):
    """Unpickling it calls builtins.eval on code that touches the marker."""

    def __reduce__(self):
        return (eval, (f"__import__('pathlib').Path({str(self.marker)!r}).touch()",))


def _write_pickle(path, marker):
    with open(path, "wb") as f:
        pickle.dump({**HEADER, "options": TouchOnLoad(marker)}, f)


def _write_pickle_protocol_0(path, marker):
    with open(path, "wb") as f:
        pickle.dump({**HEADER, "options": TouchOnLoad(marker)}, f, protocol=0)


def _write_joblib_compressed(path, marker):
    joblib.dump({**HEADER, "options": TouchOnLoad(marker)}, path, compress=3)


def _write_eval(path, marker):
    with open(path, "wb") as f:
        pickle.dump({**HEADER, "options": EvalOnLoad(marker)}, f)


def _write_object_array(path, marker):
    joblib.dump({**HEADER, "tail": np.array([TouchOnLoad(marker)], dtype=object)}, path)


def _write_legacy_zfile(path, marker):
    with open(path, "wb") as f:
        write_zfile(f, pickle.dumps({**HEADER, "options": TouchOnLoad(marker)}))


PAYLOADS = {
    "pickle.dump": (_write_pickle, "the global pathlib.Path.touch"),
    "pickle.dump protocol 0": (_write_pickle_protocol_0, "the global __builtin__.getattr"),
    "joblib.dump compress=3": (_write_joblib_compressed, "the global pathlib.Path.touch"),
    "builtins.eval": (_write_eval, "the global builtins.eval"),
    "object-dtype array": (_write_object_array, "the global joblib.numpy_pickle.NumpyArrayWrapper"),
    "joblib pre-0.10 zfile": (_write_legacy_zfile,
                              "joblib's pre-0.10 file format (its loader is not restricted)"),
}


@pytest.mark.parametrize("kind", PAYLOADS)
def test_the_payload_runs_under_plain_joblib_load(kind, tmp_path):
    """The control: each payload file is live, so its refusal below means something."""
    write, _ = PAYLOADS[kind]
    write(tmp_path / "evil.joblib", tmp_path / "marker")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # joblib warns about the pre-0.10 format
        joblib.load(tmp_path / "evil.joblib")
    assert (tmp_path / "marker").exists()


@pytest.mark.parametrize("kind", PAYLOADS)
def test_load_and_audit_refuse_the_payload_without_running_it(kind, tmp_path):
    write, reason = PAYLOADS[kind]
    path = tmp_path / "evil.joblib"
    write(path, tmp_path / "marker")
    assert load_error(UnsafeArtifactError, path) == (
        f"'{path}' asks for {reason}, which rnncli's safe loader refuses; "
        "re-train the model or get it from a source you trust")
    report = audit(path)
    assert report["globals"] == ([reason.removeprefix("the global ")] if "global" in reason else [])
    assert not (tmp_path / "marker").exists()


def test_a_numpy_scalar_written_by_plain_joblib_dump_is_refused(tmp_path):
    path = tmp_path / "m.joblib"
    joblib.dump({**_minimal_model(), "options": {"lr": np.float64(0.1)}}, path)
    scalar = f"{np.float64(0).__reduce__()[0].__module__}.scalar"  # numpy._core.multiarray on NumPy 2
    assert load_error(UnsafeArtifactError, path) == (
        f"'{path}' asks for the global {scalar}, which rnncli's safe loader refuses; "
        "re-train the model or get it from a source you trust")


def _frame(body: bytes) -> bytes:
    return b"\x80\x04" + body + b"."


HANDMADE = {
    "GLOBAL builtins.eval": (b"\x80\x02cbuiltins\neval\n.", "the global builtins.eval"),
    "STACK_GLOBAL os.system": (_frame(b"\x8c\x02os\x8c\x06system\x93"), "the global os.system"),
    "GLOBAL numpy.ndarray (no global is allowed)": (b"\x80\x02cnumpy\nndarray\n.",
                                                    "the global numpy.ndarray"),
    "REDUCE on a plain value": (_frame(b"K\x01)R"), "the pickle opcode REDUCE"),
    "BUILD on a dict": (_frame(b"}}b"), "the pickle opcode BUILD"),
    "NEWOBJ": (_frame(b"K\x01)\x81"), "the pickle opcode NEWOBJ"),
    "NEWOBJ_EX": (_frame(b"K\x01)}\x92"), "the pickle opcode NEWOBJ_EX"),
    "INST": (b"(K\ninumpy\nndarray\n.", "the pickle opcode INST"),
    "OBJ": (_frame(b"(K\x01o"), "the pickle opcode OBJ"),
    "PERSID": (b"\x80\x02Pid\n.", "the pickle opcode PERSID"),
    "BINPERSID": (_frame(b"K\x01Q"), "the pickle opcode BINPERSID"),
    "EXT1": (b"\x80\x02\x82\x01.", "the pickle opcode EXT1"),
    "EMPTY_SET (216 bytes an opcode byte)": (_frame(b"\x8f"), "the pickle opcode EMPTY_SET"),
    "FROZENSET": (_frame(b"(\x91"), "the pickle opcode FROZENSET"),
    "BYTEARRAY8": (b"\x80\x05\x96\x01\x00\x00\x00\x00\x00\x00\x00x.", "the pickle opcode BYTEARRAY8"),
    "NEXT_BUFFER": (b"\x80\x05\x97.", "the pickle opcode NEXT_BUFFER"),
    "bytes outside an array": (pickle.dumps({"x": [b"raw"]}, protocol=4),
                               "a bytes object at data['x'][0] (only plain data is allowed)"),
    "a tuple as a dict key": (pickle.dumps({(1, 2): 3}, protocol=4),
                              "a dict key that is a tuple object at data"),
    "a list that contains itself": (b"\x80\x02]q\x00h\x00a.", "a container that contains itself at data[0]"),
    "one list reached twice": (b"\x80\x02](]q\x00K\x01ah\x00e.",
                               "a container reached twice at data[1] (a model file is a tree)"),
    "lists nested 200 deep": (b"\x80\x02" + b"]" * 200 + b"a" * 199 + b".",
                              "data nested deeper than 100 levels at data" + "[0]" * 100),
}


@pytest.mark.parametrize("kind", HANDMADE)
def test_load_and_audit_refuse_handmade_opcodes(kind, tmp_path):
    raw, reason = HANDMADE[kind]
    path = tmp_path / "evil.joblib"
    path.write_bytes(raw)
    assert load_error(UnsafeArtifactError, path) == (
        f"'{path}' asks for {reason}, which rnncli's safe loader refuses; "
        "re-train the model or get it from a source you trust")


def _record_file(path, **fields) -> None:
    """A model file whose 'tail' array record has `fields` changed (written by plain joblib.dump)."""
    record = {"__ndarray__": "<f8", "shape": [3], "order": "C", "bytes": bytes(24)}
    record.update(fields)
    joblib.dump({**HEADER, "tail": {k: v for k, v in record.items() if v is not None}}, path)


RECORDS = {
    "10**12 elements": ({"shape": [10**6, 10**6]},
                        "an array of 1000000000000 elements at data['tail'] (the limit is 100000000)"),
    "a negative dimension": ({"shape": [-1]}, "an array of shape [-1] at data['tail']"),
    "a float dimension": ({"shape": [3.0]}, "an array of shape [3.0] at data['tail']"),
    "a tuple shape": ({"shape": (3,)}, "an array of shape (3,) at data['tail']"),
    "order K": ({"order": "K"}, "an array in order 'K' at data['tail']"),
    "an object dtype": ({"__ndarray__": "|O"},
                        "the dtype '|O' at data['tail'] (rnncli stores only numeric little-endian arrays)"),
    "a big-endian dtype": ({"__ndarray__": ">f8"},
                           "the dtype '>f8' at data['tail'] "
                           "(rnncli stores only numeric little-endian arrays)"),
    "a structured dtype": ({"__ndarray__": "|V8"},
                           "the dtype '|V8' at data['tail'] "
                           "(rnncli stores only numeric little-endian arrays)"),
    "data as a str": ({"bytes": "abc"}, "array data that is a str object at data['tail']"),
    "an unknown field": ({"evil": 1},
                         "an array record with the fields ['__ndarray__', 'bytes', 'evil', 'order', 'shape'] "
                         "at data['tail']"),
    "a missing field": ({"order": None},
                        "an array record with the fields ['__ndarray__', 'bytes', 'shape'] at data['tail']"),
}


@pytest.mark.parametrize("kind", RECORDS)
def test_array_records_are_checked_before_any_array_is_allocated(kind, tmp_path):
    fields, reason = RECORDS[kind]
    path = tmp_path / "evil.joblib"
    _record_file(path, **fields)
    tracemalloc.start()
    try:
        message = load_error(UnsafeArtifactError, path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message == (f"'{path}' asks for {reason}, which rnncli's safe loader refuses; "
                       "re-train the model or get it from a source you trust")
    assert peak < 2**20


def test_an_array_whose_bytes_do_not_match_its_shape_is_invalid(tmp_path):
    path = tmp_path / "m.joblib"
    _record_file(path, shape=[4])
    assert load_error(ArtifactError, path) == (
        f"'{path}' is not a valid rnncli model: the array at data['tail'] should hold 4 x 8 bytes "
        "(shape (4,), dtype <f8), not 24; re-train or re-download it")


def test_a_length_field_claiming_more_data_than_the_file_holds_costs_only_the_bytes_present(tmp_path):
    path = tmp_path / "m.joblib"
    path.write_bytes(b"\x80\x04\x8e" + (10**10).to_bytes(8, "little") + b"abc.")  # BINBYTES8 of 10 GB
    tracemalloc.start()
    try:
        message = load_error(ArtifactError, path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message.startswith(f"'{path}' is corrupt or truncated: ")
    assert peak < 8 * 2**20


def test_the_decompressed_size_is_capped(tmp_path, monkeypatch):
    path = tmp_path / "m.joblib"
    save({**_minimal_model(), "zeros": np.zeros(10_000)}, path, compress=9)
    monkeypatch.setattr(artifact, "MAX_DATA_BYTES", 40_000)
    assert os.path.getsize(path) < 40_000
    assert load_error(UnsafeArtifactError, path) == (
        f"'{path}' asks for more than 40000 bytes of data once decompressed, which rnncli's safe loader "
        "refuses; re-train the model or get it from a source you trust")


def test_containers_and_instructions_are_capped_apart_from_array_bytes(model, tmp_path, monkeypatch):
    monkeypatch.setattr(artifact, "MAX_OBJECTS", 20_000)
    monkeypatch.setattr(artifact, "MAX_OPCODES", 50_000)
    save({**model, "zeros": np.zeros(100_000)}, tmp_path / "m.joblib", compress=0)  # 800 KB of array bytes
    assert load(tmp_path / "m.joblib")["zeros"].shape == (100_000,)
    lists, nones = tmp_path / "lists.joblib", tmp_path / "nones.joblib"
    lists.write_bytes(_frame(b"]" * 30_000))  # each byte a new list
    nones.write_bytes(_frame(b"N" * 60_000))  # each byte a stack slot
    assert load_error(UnsafeArtifactError, lists) == (
        f"'{lists}' asks for more than 20000 containers and memo entries, which rnncli's safe loader "
        "refuses; re-train the model or get it from a source you trust")
    assert load_error(UnsafeArtifactError, nones) == (
        f"'{nones}' asks for more than 50000 pickle instructions, which rnncli's safe loader "
        "refuses; re-train the model or get it from a source you trust")


def test_the_file_size_is_capped(model, tmp_path, monkeypatch):
    path = tmp_path / "m.joblib"
    save(model, path)
    monkeypatch.setattr(artifact, "MAX_FILE_BYTES", 100)
    assert load_error(UnsafeArtifactError, path) == (
        f"'{path}' is {os.path.getsize(path)} bytes, more than the 100 a model file may be; "
        "re-train the model or get it from a source you trust")


# -- content: every field checked before anything is built; one line naming the field ----------------


@pytest.fixture(scope="module")
def cli_model(airline_model) -> dict:
    """A model trained by `rnncli train` on airline.csv (monthly, --past 6 --future 3, hidden 6)."""
    return load(airline_model)


def crafted(tmp_path, d: dict, change) -> pathlib.Path:
    """`d` (deep-copied) changed in place by `change(d)`, saved as crafted.joblib."""
    d = copy.deepcopy(d)
    change(d)
    path = tmp_path / "crafted.joblib"
    save(d, path)
    return path


def _set(*keys_and_value):
    *keys, value = keys_and_value

    def change(d):
        for key in keys[:-1]:
            d = d[key]
        d[keys[-1]] = value(d[keys[-1]]) if callable(value) else value

    return change


def _both(key, value):
    """The same setting in options and network, as a crafted file would set it."""
    def change(d):
        d["options"][key] = d["network"][key] = value
    return change


def _nan_at(index):
    def put(flat):
        flat[index] = np.nan
        return flat
    return put


def _resample_10s(d):
    d["data"]["read"]["resample"] = "10s"


def _hidden_14000_one_weight(d):
    d["options"]["hidden"] = d["network"]["hidden"] = 14000
    d["network"]["flat"] = np.zeros(1, dtype=np.float32)


CONTENT = {
    "hidden 14000 with one weight (was 3 GB)": (
        _hidden_14000_one_weight,
        "'network.flat' holds 1 weights, but the network it describes (lstm, hidden 14000, layers 1, "
        "1 features, future 3, 1 targets) has 784154003"),
    "future 3e8 (was 4.6 GB of timestamps)": (
        _both("future", 300_000_000), "'options.future' is 300000000, not an integer in [1, 1000000]"),
    "resample 10s on monthly data (was 2.5 GB)": (
        _resample_10s, "'data.read.resample' is '10s', but the model's time step is 'MS'"),
    "a history of nested lists": (
        _set("history", "train_msse", [[1.0] * 3] * 2),
        "'history.train_msse[0]' is [1.0, 1.0, 1.0], not a float"),
    "a weight vector one short": (
        _set("network", "flat", lambda flat: flat[:-1]),
        "'network.flat' holds 212 weights, but the network it describes (lstm, hidden 6, layers 1, "
        "1 features, future 3, 1 targets) has 213"),
    "a NaN weight": (_set("network", "flat", _nan_at(5)),
                     "'network.flat' holds nan at flat index 5; weights and data must be finite"),
    "an infinite tail": (_set("tail", lambda tail: tail * np.inf),
                         "'tail' holds inf at flat index 0; weights and data must be finite"),
    "a tail of the wrong length": (
        _set("tail", lambda tail: tail[1:]),
        "'tail' should be a float array of shape (6, 1), got float64 of shape (5, 1)"),
    "a target index out of range": (_set("target_idx", [3]),
                                    "'target_idx[0]' is 3, not a column index in [0, 0]"),
    "a negative past": (_set("options", "past", -1), "'options.past' is -1, not an integer in [1, 1000000]"),
    "an option of the wrong type": (_set("options", "lr", "fast"),
                                    "'options' are not valid (--lr must be a positive number, got 'fast')"),
    "network and options disagree": (_set("network", "future", 5),
                                     "'network.future' is 5, but the model's options and columns say 3"),
    "a stored encoding that does not exist": (
        _set("data", "read", "encoding", "klingon"),
        "'data.read.encoding' is 'klingon': unknown --encoding 'klingon'; use e.g. utf-8 or latin-1"),
    "a stored delimiter of two characters": (
        _set("data", "read", "delimiter", ";;"),
        "'data.read.delimiter' is ';;': invalid --delimiter ';;'; use one character such as ',' ';' or tab"),
    "a stored smooth of 0": (_set("data", "read", "smooth", 0),
                             "'data.read.smooth' is 0: invalid --smooth 0; use a whole number of rows >= 1"),
    "a stored fill that does not exist": (
        _set("data", "read", "fill", "guess"),
        "'data.read.fill' is 'guess': invalid --fill 'guess'; use one of error, ffill, interpolate, zero, "
        "drop"),
    "a stored zone that does not exist": (
        _set("data", "read", "tz", "Mars/Olympus"),
        "'data.read.tz' is 'Mars/Olympus': unknown --tz 'Mars/Olympus'; use an IANA time zone name such as "
        "Europe/Berlin"),
    "a stored calendar that is no offset alias": (
        _set("data", "read", "freq", "fortnightly"),
        "'data.read.freq' is 'fortnightly': invalid --freq 'fortnightly'; use a pandas offset alias such as "
        "D, B, W-SAT, MS, QS-MAR, 15min or h, or none"),
    "a time style with an offset that is none": (
        _set("time", "style", {"clock": True, "sep": " ", "digits": 0, "offset": "+1h", "tz": None,
                               "utc": False}),
        "'time.style.offset' is '+1h', not a UTC offset such as +01:00 or Z"),
    "a frequency that is no offset alias": (
        _set("time", "freq", "fortnightly"),
        "'time.freq' is 'fortnightly': invalid --resample 'fortnightly'; use a pandas offset alias such as "
        "D, W, MS, QS, YS or h"),
    "a last timestamp whose forecasts pass 2262": (
        _set("time", "last", "2262-03-01"),
        "'time.last' is '2262-03-01', which is not a time whose 3 forecast steps end before 2262-04-11"),
    "an optimizer state of the wrong size": (
        _set("trainer", "optimizer_state", "m", lambda m: m[:7]),
        "'trainer.optimizer_state.m' should be a float array of shape (213,), got float32 of shape (7,)"),
    "a generator state that is not one": (_set("trainer", "rng_state", {"bit_generator": "MT19937"}),
                                          "'trainer.rng_state' is not a PCG64 generator state"),
    "a data field that is a container": (_set("data", "source", ["a"] * 3),
                                         "'data.source' is a list object, not a plain value"),
    "a tail that is not the last training targets": (
        _set("tail", lambda tail: tail * 1e100),
        "'tail' and 'train_targets' disagree: the tail's target columns should be the last training "
        "targets"),
    "a seasonal-naive RMSE per target missing": (
        _set("snaive_rmse", []), "'snaive_rmse' should list 1 float(s), one per target"),
    "a variant RMSE of an unknown scaling": (
        _set("variant_rmse", {"log": [1.0]}),
        "'variant_rmse' should map scalings to RMSEs, got the key 'log'"),
    "a pending variant of an unknown scaling": (
        _set("variants_pending", ["log"]), "'variants_pending' should list scalings among minmax, diff"),
    "fingerprints of windows of another length": (
        _set("fingerprints", "rows", 5), "'fingerprints.rows' is 5, not an integer in [9, 9]"),
    "a fingerprint that is not a 63-bit integer": (
        _set("fingerprints", "hashes", lambda h: [*h[:-1], 2**64]),
        "'fingerprints.hashes' should list at most 4096 integers in [0, 2**63)"),
}


@pytest.mark.parametrize("kind", CONTENT)
def test_content_out_of_range_is_refused_naming_the_field(kind, cli_model, tmp_path):
    change, problem = CONTENT[kind]
    path = crafted(tmp_path, cli_model, change)
    assert load_error(ArtifactError, path) == (
        f"'{path}' is not a valid rnncli model: {problem}; re-train or re-download it")


def test_an_integer_time_that_would_wrap_is_refused(sunspots_model, tmp_path):
    path = crafted(tmp_path, load(sunspots_model), _set("time", "last", 2**63 - 2))
    assert load_error(ArtifactError, path) == (
        f"'{path}' is not a valid rnncli model: 'time.last' is 9223372036854775806: 3 steps after it do "
        "not fit a 64-bit time; re-train or re-download it")


def test_a_history_longer_than_the_bound_is_refused(cli_model, tmp_path, monkeypatch):
    monkeypatch.setattr(artifact, "MAX_HISTORY", 10)
    path = crafted(tmp_path, cli_model, _set("history", "train_msse", [0.5] * 11))
    assert load_error(ArtifactError, path) == (
        f"'{path}' is not a valid rnncli model: 'history.train_msse' lists 11 epochs, more than 10; "
        "re-train or re-download it")


def test_a_stored_resample_equal_to_the_time_step_loads(cli_model, tmp_path):
    for rule in ("MS", "ME"):  # the same length of period, anchored at the start or the end
        path = crafted(tmp_path, cli_model, _set("data", "read", "resample", rule))
        assert load(path)["data"]["read"]["resample"] == rule


def _history_that_expands(tmp_path, d: dict) -> pathlib.Path:
    """10 KB on disk: 28 lists, each holding the one below twice (pickle's memo), 2**27 leaves in all.
    Format 1's loader accepted it, and `info --format json` then grew past 4.5 GB expanding it."""
    level = [0.5]
    for _ in range(27):
        level = [level, level]
    d = copy.deepcopy(d)
    d["history"]["train_msse"] = [0.5, level]
    plain = artifact._plain({k: v for k, v in d.items() if k != "history"}, "data", 0)
    plain["history"] = d["history"]  # as a hostile writer would pickle it: shared, not copied
    path = tmp_path / "dag.joblib"
    joblib.dump(plain, path, protocol=4)
    return path


def _peak_of_load(path) -> tuple[str, int]:
    tracemalloc.start()
    try:
        with pytest.raises(ArtifactError) as info:
            load(path)
        return str(info.value), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("kind", ["hidden 14000 with one weight (was 3 GB)",
                                  "future 3e8 (was 4.6 GB of timestamps)",
                                  "resample 10s on monthly data (was 2.5 GB)"])
def test_the_former_memory_cases_are_refused_cheaply(kind, cli_model, tmp_path):
    path = crafted(tmp_path, cli_model, CONTENT[kind][0])
    message, peak = _peak_of_load(path)
    assert message.endswith(f"{CONTENT[kind][1]}; re-train or re-download it")
    assert peak < 4 * 2**20


def test_a_history_that_would_expand_is_refused_cheaply(cli_model, tmp_path):
    path = _history_that_expands(tmp_path, cli_model)
    assert os.path.getsize(path) < 16 * 2**10
    message, peak = _peak_of_load(path)
    assert message == (f"'{path}' asks for a container reached twice at data['history']['train_msse'][1]"
                       + "[0]" * 26 + "[1] (a model file is a tree), which rnncli's safe loader refuses; "
                       "re-train the model or get it from a source you trust")
    assert peak < 4 * 2**20


def test_the_cli_refuses_a_crafted_file_with_one_line(run, error_line, cli_model, tmp_path):
    path = crafted(tmp_path, cli_model, _hidden_14000_one_weight)
    problem = CONTENT["hidden 14000 with one weight (was 3 GB)"][1]
    for command in (["info", path], ["predict", path], ["evaluate", path, AIRLINE]):
        assert error_line(run(*command), 1) == (
            f"Error: '{path}' is not a valid rnncli model: {problem}; re-train or re-download it")
    result = run("info", path, "--audit")
    assert (result.exit_code, result.stdout) == (1, "")
    assert "NO: " in result.stderr


# -- strings from a file reach the terminal escaped ------------------------------------------------------


def test_escape_controls_writes_every_control_character_as_an_escape():
    assert escape_controls("a\x1b[32mb\nc\r\td\x00\x7f\x9b\u202eok") == \
        "a\\x1b[32mb\\nc\\r\\td\\x00\\x7f\\x9b\\u202eok"
    assert escape_controls("plain, [markup] and ünïcode") == "plain, [markup] and ünïcode"


SPOOF = "\x1b[2K\r\x1b[32mmodel OK: safe\x1b[0m"


def test_column_names_from_a_file_are_escaped_in_info_tables(run, cli_model, tmp_path):
    path = crafted(tmp_path, cli_model, _set("columns", [f"passengers{SPOOF}[green]x[/green]"]))
    result = run("info", path)
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stderr
    assert "\r" not in result.stderr
    assert "passengers\\x1b[2K\\r\\x1b[32mmodel OK:" in result.stderr  # the table folds the name
    assert "safe\\x1b[0m[green]x[/green]" in result.stderr


def test_a_refused_file_cannot_print_a_fake_verdict(run, error_line, tmp_path):
    module = SPOOF.encode()
    path = tmp_path / "spoof.joblib"
    path.write_bytes(_frame(b"\x8c" + bytes([len(module)]) + module + b"\x8c\x01x\x93"))
    for args in (["info", path, "--audit"], ["predict", path]):
        result = run(*args)
        assert result.exit_code == 1
        assert "\x1b" not in result.stderr
        assert "\r" not in result.stderr
        assert "\\x1b[32mmodel OK: safe" in result.stderr
    assert error_line(run("predict", path), 1) == (
        f"Error: '{path}' asks for the global \\x1b[2K \\x1b[32mmodel OK: safe\\x1b[0m.x, which rnncli's "
        "safe loader refuses; re-train the model or get it from a source you trust")


# -- audit: the loader's own verdict ----------------------------------------------------------------------


@pytest.mark.parametrize("compress", [0, 3])
def test_audit_of_a_real_model_lists_every_array_record(compress, model, tmp_path):
    save(model, tmp_path / "m.joblib", compress=compress)
    assert audit(tmp_path / "m.joblib") == {"globals": [], "arrays": arrays_of(model), "safe": True,
                                            "reasons": []}


def test_audit_reports_a_refused_record_with_the_loaders_message(tmp_path):
    _record_file(tmp_path / "evil.joblib", shape=[10**6, 10**6])
    report = audit(tmp_path / "evil.joblib")
    assert report["arrays"] == [{"dtype": "<f8", "shape": [10**6, 10**6], "order": "C"}]
    assert report["reasons"] == [
        f"'{tmp_path / 'evil.joblib'}' asks for an array of 1000000000000 elements at data['tail'] "
        "(the limit is 100000000), which rnncli's safe loader refuses; re-train the model or get it from a "
        "source you trust"]


def test_audit_reports_a_truncated_file(model, tmp_path):
    path = tmp_path / "m.joblib"
    save(model, path)
    path.write_bytes(path.read_bytes()[:-20])
    report = audit(path)
    assert report["safe"] is False
    assert report["reasons"][-1].startswith(f"'{path}' is corrupt or truncated: ")


def test_audit_of_a_missing_file_raises(tmp_path):
    with pytest.raises(ArtifactError, match=r"^no such model file "):
        audit(tmp_path / "nope.joblib")


# -- atomic writes ------------------------------------------------------------------------------------


def test_a_write_that_fails_midway_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "m.joblib"
    path.write_bytes(b"old")

    def write_half(f):
        f.write(b"new but ")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        atomic_write(path, write_half)
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["m.joblib"]


def test_an_interrupted_save_keeps_the_old_model(model, tmp_path, monkeypatch):
    path = tmp_path / "m.joblib"
    save(model, path)
    before = path.read_bytes()

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(joblib, "dump", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save({**model, "n_rows": 1}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.joblib"]


def test_an_os_error_while_writing_is_one_line_naming_the_file(tmp_path):
    path = tmp_path / "m.joblib"

    def full(f):
        raise OSError(28, "No space left on device")

    with pytest.raises(RnncliError) as info:
        atomic_write(path, full, what="model")
    assert str(info.value) == f"cannot write model to '{path}': no space left on device"
    assert os.listdir(tmp_path) == []


def test_saving_into_a_missing_directory_names_it(model, tmp_path):
    path = tmp_path / "x" / "y.joblib"
    with pytest.raises(RnncliError) as info:
        save(model, path)
    assert type(info.value) is RnncliError
    assert str(info.value) == f"cannot write model to '{path}': directory '{tmp_path / 'x'}' does not exist"


def test_saving_over_a_directory_is_refused(model, tmp_path):
    (tmp_path / "m.joblib").mkdir()
    with pytest.raises(RnncliError) as info:
        save(model, tmp_path / "m.joblib")
    assert str(info.value) == f"cannot write model to '{tmp_path / 'm.joblib'}': it is a directory"


def test_saving_into_a_read_only_directory_says_permission_denied(model, tmp_path, monkeypatch):
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro").chmod(0o500)
    real_open = os.open  # root may write anyway: refused as a user would be

    def refuse_as_a_user(path, flags, *args, **kwargs):
        if os.path.dirname(os.fspath(path)) == str(tmp_path / "ro") and flags & (os.O_WRONLY | os.O_RDWR):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse_as_a_user)
    try:
        with pytest.raises(RnncliError) as info:
            save(model, tmp_path / "ro" / "m.joblib")
    finally:
        (tmp_path / "ro").chmod(0o700)
    assert str(info.value) == (f"cannot write model to '{tmp_path / 'ro' / 'm.joblib'}': "
                               f"permission denied (in directory '{tmp_path / 'ro'}')")


def test_a_denied_temp_file_says_permission_denied_and_names_the_directory(model, tmp_path, monkeypatch):
    real_open = os.open

    def deny_temp_files(path, *args, **kwargs):
        if ".rnncli-tmp-" in os.fspath(path):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny_temp_files)
    with pytest.raises(RnncliError) as info:
        save(model, tmp_path / "m.joblib")
    assert str(info.value) == (f"cannot write model to '{tmp_path / 'm.joblib'}': "
                               f"permission denied (in directory '{tmp_path}')")


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_stale_temp_files_of_dead_or_old_runs_are_removed_by_the_next_save(model, tmp_path):
    dead = tmp_path / f".m.joblib.rnncli-tmp-{_dead_pid()}-0badf00d"
    old = tmp_path / f".m.joblib.rnncli-tmp-{os.getppid()}-00c0ffee"
    live = tmp_path / f".m.joblib.rnncli-tmp-{os.getpid()}-0000beef"
    other = tmp_path / f".other.joblib.rnncli-tmp-{_dead_pid()}-0badf00d"
    for p in (dead, old, live, other):
        p.write_bytes(b"partial")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    save(model, tmp_path / "m.joblib")
    assert sorted(os.listdir(tmp_path)) == sorted(["m.joblib", live.name, other.name])


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_the_saved_file_mode_follows_the_umask(umask, mode, model, tmp_path):
    previous = os.umask(umask)
    try:
        save(model, tmp_path / "m.joblib")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(tmp_path / "m.joblib").st_mode) == mode


def test_the_file_and_its_directory_are_fsynced(model, tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        mode = os.fstat(fd).st_mode
        synced.append("file" if stat.S_ISREG(mode) else "directory" if stat.S_ISDIR(mode) else "other")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    save(model, tmp_path / "m.joblib")
    assert synced == ["file", "directory"]


def test_atomic_write_serves_other_writers(tmp_path):
    atomic_write(tmp_path / "out.csv", lambda f: f.write(b"a,b\n1,2\n"), what="forecast")
    assert (tmp_path / "out.csv").read_bytes() == b"a,b\n1,2\n"


def test_no_compressor_of_joblib_starts_like_a_plain_pickle(model, tmp_path):
    """The loader reads a file that starts with b"\\x80" without joblib: joblib must read it as is too."""
    from joblib.numpy_pickle_utils import _COMPRESSORS, _ZFILE_PREFIX, _detect_compressor

    assert not any(c.prefix.startswith(b"\x80") for c in _COMPRESSORS.values())
    assert not _ZFILE_PREFIX.startswith(b"\x80")
    save(model, tmp_path / "raw.joblib", compress=0)
    with open(tmp_path / "raw.joblib", "rb") as f:
        assert f.peek(1)[:1] == b"\x80"
        assert _detect_compressor(f) == "not-compressed"


@pytest.mark.parametrize("compress", [3, 9, ("zlib", 3), ("gzip", 3), ("gzip", 9)])
def test_a_zlib_or_gzip_file_is_read_as_joblib_reads_it(compress, model, tmp_path):
    """The loader inflates joblib's zlib and gzip files with the stdlib: the same plain data as joblib's
    own reader, from files that start with the prefixes joblib gives those compressors."""
    from joblib.compressor import BinaryGzipFile, BinaryZlibFile
    from joblib.numpy_pickle_utils import _COMPRESSORS

    assert (_COMPRESSORS["zlib"].prefix, BinaryZlibFile.wbits) == (b"\x78", zlib.MAX_WBITS)
    assert (_COMPRESSORS["gzip"].prefix, BinaryGzipFile.wbits) == (b"\x1f\x8b", 16 + zlib.MAX_WBITS)
    path = tmp_path / "m.joblib"
    save(model, path, compress=compress)
    with open(path, "rb") as f:
        ours = plaindata.unpickle(f, str(path), {"globals": [], "arrays": []})
    assert ours == joblib.load(path)
    assert_same(load(path), model)


@pytest.mark.parametrize("compress", [3, ("gzip", 3)])
def test_data_after_the_end_of_a_compressed_stream_is_corrupt(compress, model, tmp_path):
    path = tmp_path / "m.joblib"
    save(model, path, compress=compress)
    path.write_bytes(path.read_bytes() + b"\x00")
    assert load_error(ArtifactError, path) == (
        f"'{path}' is corrupt or truncated: unexpected data after the end of the compressed stream; "
        "re-train or re-download it")


@pytest.mark.slow
@pytest.mark.parametrize(("compress", "imports_joblib"),
                         [(0, False), (3, False), (("gzip", 3), False), (("bz2", 3), True)])
def test_only_bz2_lzma_xz_and_lz4_files_import_joblib_to_load(compress, imports_joblib, model, tmp_path):
    save(model, tmp_path / "m.joblib", compress=compress)
    code = ("import sys; from rnncli.io.artifact import load; load(sys.argv[1]); "
            "print('joblib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "m.joblib")], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == str(imports_joblib)


# -- the forecast's time labels (rnncli.io.timelabels) ---------------------------------------------


def with_labels(tmp_path, d: dict, field, monkeypatch) -> pathlib.Path:
    """`d` saved with `field` as its forecast_times (what a hand-edited file would hold)."""
    with monkeypatch.context() as m:
        m.setattr(timelabels, "compute", lambda plain: copy.deepcopy(field))
        save(d, tmp_path / "labelled.joblib")
    return tmp_path / "labelled.joblib"


def test_save_stores_the_labels_of_the_forecast_times(cli_model, model, sunspots_model, tmp_path):
    assert cli_model[timelabels.FIELD]["labels"] == ["1961-01-01", "1961-02-01", "1961-03-01"]
    assert timelabels.stored(cli_model, 2) == ["1961-01-01", "1961-02-01"]
    assert timelabels.stored(cli_model, 4) is None  # --steps beyond the horizon: computed
    save(model, tmp_path / "array.joblib")
    for path in (tmp_path / "array.joblib", sunspots_model):  # no time column; integer years
        assert timelabels.FIELD not in load(path)


def test_save_computes_the_labels_anew_from_the_time(cli_model, tmp_path):
    path = crafted(tmp_path, cli_model, _set("time", "last", "1970-06-01T00:00:00.000000000"))
    assert load(path)[timelabels.FIELD]["labels"] == ["1970-07-01", "1970-08-01", "1970-09-01"]


def test_a_file_without_labels_loads(cli_model, tmp_path, monkeypatch):
    path = with_labels(tmp_path, {k: v for k, v in cli_model.items() if k != timelabels.FIELD}, None,
                       monkeypatch)
    assert timelabels.FIELD not in load(path)
    assert timelabels.stored(load(path, calendar=False), 3) is None


def _sealed(labels, time_change=None):
    """A forecast_times field for the model's time (changed by `time_change`), sealed by its digest."""
    def field(d):
        time = dict(d["time"], **(time_change or {}))
        return {"labels": labels, "sha256": timelabels.digest(time, d["options"]["future"], labels)}
    return field


GOOD = ["1961-01-01", "1961-02-01", "1961-03-01"]
LABELS = {
    "one label short": (_sealed(GOOD[:2]),
                        "'forecast_times.labels' lists 2 times, not one per forecast step (3)"),
    "a label that is no time": (_sealed([*GOOD[:2], "rm -rf"]),
                                "'forecast_times.labels[2]' is 'rm -rf', not a time as predict writes it"),
    "a label with a control character": (_sealed([*GOOD[:2], "1961-03-01\x1b[2J"]),
                                         "'forecast_times.labels[2]' is '1961-03-01\\x1b[2J', not a time as "
                                         "predict writes it"),
    "a label that is a number": (_sealed([*GOOD[:2], 1961]),
                                 "'forecast_times.labels[2]' is 1961, not a time as predict writes it"),
    "labels edited after saving": (lambda d: {**_sealed(GOOD)(d), "labels": ["1999-01-01", *GOOD[1:]]},
                                   "'forecast_times' do not match the model's time column and horizon "
                                   "(another sha256)"),
    "labels of another last time": (_sealed(GOOD, {"last": "1950-12-01T00:00:00.000000000"}),
                                    "'forecast_times' do not match the model's time column and horizon "
                                    "(another sha256)"),
    "a field too many": (lambda d: {**_sealed(GOOD)(d), "extra": 1},
                         "'forecast_times' should have the fields labels and sha256"),
    "labels that are not a list": (_sealed("1961-01-01"),
                                   "'forecast_times.labels' should be a list, got '1961-01-01'"),
}


@pytest.mark.parametrize("kind", LABELS)
def test_labels_that_are_not_the_model_s_are_refused(kind, cli_model, tmp_path, monkeypatch):
    field, problem = LABELS[kind]
    path = with_labels(tmp_path, cli_model, field(cli_model), monkeypatch)
    for calendar in (True, False):
        with pytest.raises(ArtifactError) as info:
            load(path, calendar=calendar)
        assert str(info.value) == (f"'{path}' is not a valid rnncli model: {problem}; "
                                   "re-train or re-download it")


def test_labels_on_a_model_without_a_frequency_are_refused(sunspots_model, tmp_path, monkeypatch):
    d = load(sunspots_model)
    field = {"labels": ["2001-01-01"] * 3, "sha256": timelabels.digest(d["time"], 3, ["2001-01-01"] * 3)}
    path = with_labels(tmp_path, d, field, monkeypatch)
    assert load_error(ArtifactError, path) == (
        f"'{path}' is not a valid rnncli model: 'forecast_times' is for a model whose time column has a "
        "frequency, and this one has none; re-train or re-download it")


def test_without_the_calendar_checks_a_labelled_file_defers_them_to_check_calendar(cli_model, tmp_path,
                                                                                  monkeypatch):
    """calendar=False leaves out what needs pandas only where the labels stand for it: a file whose
    frequency is no offset alias (sealed labels, as a forger would make them) loads, and
    check_calendar (predict's pandas path) refuses it as load does."""
    d = copy.deepcopy(cli_model)
    d["time"]["freq"] = "fortnightly"
    path = with_labels(tmp_path, d, _sealed(GOOD)(d), monkeypatch)
    problem = (f"'{path}' is not a valid rnncli model: 'time.freq' is 'fortnightly': invalid --resample "
               "'fortnightly'; use a pandas offset alias such as D, W, MS, QS, YS or h; "
               "re-train or re-download it")
    assert load_error(ArtifactError, path) == problem
    loaded = load(path, calendar=False)
    with pytest.raises(ArtifactError) as info:
        artifact.check_calendar(loaded, path)
    assert said(info.value) == problem
    unlabelled = with_labels(tmp_path, d, None, monkeypatch)  # without labels nothing is deferred
    with pytest.raises(ArtifactError) as info:
        load(unlabelled, calendar=False)
    assert said(info.value) == problem.replace(str(path), str(unlabelled))
