"""The model file: saves are atomic, loads are restricted and checked, audits construct nothing.

Every malicious file here is made at test time. Each payload creates a marker file when it runs;
the controls show that plain `joblib.load` does run it, and the tests that `artifact.load` and
`artifact.audit` never do.
"""

import os
import pathlib
import pickle
import re
import stat
import subprocess
import sys
import time
import tracemalloc
import warnings

import joblib
import numpy as np
import pytest
from helpers import assert_same
from joblib.numpy_pickle import NumpyArrayWrapper
from joblib.numpy_pickle_compat import write_zfile

from rnncli.errors import ArtifactError, RnncliError, UnsafeArtifactError
from rnncli.io import artifact
from rnncli.io.artifact import atomic_write, audit, load, save
from rnncli.model.forecaster import FORMAT, Forecaster

HEADER = {"format": FORMAT, "format_version": 1}


@pytest.fixture(scope="module")
def fitted() -> Forecaster:
    return Forecaster(past=4, future=2, hidden=4, epochs=2).fit(np.sin(np.arange(60.0)))


@pytest.fixture
def model(fitted) -> dict:
    return fitted.to_dict()


def load_error(exc_type: type[Exception], path) -> str:
    """The message of the error load(path) raises: exactly `exc_type`, on one line."""
    with pytest.raises(ArtifactError) as info:
        load(path)
    assert type(info.value) is exc_type
    message = str(info.value)
    assert "\n" not in message
    return message


def arrays_of(data) -> list:
    """(dtype str, shape, order) of every array in `data`, in the order pickle writes them."""
    if isinstance(data, dict):
        return [h for v in data.values() for h in arrays_of(v)]
    if isinstance(data, (list, tuple)):
        return [h for v in data for h in arrays_of(v)]
    if isinstance(data, np.ndarray):
        order = "F" if data.flags.f_contiguous and not data.flags.c_contiguous else "C"
        return [{"dtype": data.dtype.str, "shape": list(data.shape), "order": order}]
    return []


# -- round trips ------------------------------------------------------------------------------------


def test_a_saved_model_loads_back_identical(model, tmp_path):
    save(model, tmp_path / "m.joblib")
    assert_same(load(tmp_path / "m.joblib"), model)


def test_a_loaded_model_forecasts_like_the_original(fitted, tmp_path):
    save(fitted.to_dict(), tmp_path / "m.joblib")
    again = Forecaster.from_dict(load(tmp_path / "m.joblib"))
    np.testing.assert_array_equal(again.predict().values, fitted.predict().values)


def test_a_real_artifact_needs_only_the_three_allowed_globals(model, tmp_path):
    save(model, tmp_path / "m.joblib")
    assert audit(tmp_path / "m.joblib")["globals"] == [
        "joblib.numpy_pickle.NumpyArrayWrapper", "numpy.dtype", "numpy.ndarray"]
    assert sorted(f"{m}.{n}" for m, n in artifact.ALLOWED_GLOBALS) == [
        "joblib.numpy_pickle.NumpyArrayWrapper", "numpy.dtype", "numpy.ndarray"]


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


def test_a_file_written_by_plain_joblib_dump_of_to_dict_loads(model, tmp_path):
    joblib.dump(model, tmp_path / "m.joblib", compress=3)
    assert_same(load(tmp_path / "m.joblib"), model)


@pytest.mark.parametrize(("value", "message"), [
    ({1, 2}, "cannot save data['bad']: set is not plain data"),
    (object(), "cannot save data['bad']: object is not plain data"),
    (np.array(["a"], dtype=object), "cannot save data['bad']: arrays must be numeric"),
    (np.array(["abc"]), "cannot save data['bad']: arrays must be numeric"),
    ([1, {"deep": b"bytes"}], "cannot save data['bad'][1]['deep']: bytes is not plain data"),
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
    monkeypatch.setattr(artifact, "MAX_ARRAY_ELEMENTS", 10)
    with pytest.raises(ArtifactError, match=r"^cannot save data\['big'\]: 11 elements, more than the 10 "):
        save({**_minimal_model(), "big": np.zeros(11)}, tmp_path / "m.joblib")
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


def _minimal_model() -> dict:
    """The smallest dict that passes the schema check (not a model that can forecast)."""
    return {**HEADER, "options": {}, "network": {"flat": np.zeros(3, dtype=np.float32)}, "scale": "minmax",
            "scaler": {}, "columns": ["x0"], "feature_idx": [0], "target_idx": [0], "time": None,
            "tail": np.zeros((4, 1)), "train_targets": np.zeros((8, 1)), "n_rows": 8,
            "val_residuals": np.zeros((0, 2, 1)), "val_rmse": [], "naive_rmse": [], "history": {}}


# -- load errors: every one an ArtifactError of one line naming the file --------------------------------


def test_a_missing_file_is_named(tmp_path):
    path = tmp_path / "nope.joblib"
    assert load_error(ArtifactError, path) == f"no such model file '{path}'"


def test_a_directory_is_not_a_model_file(tmp_path):
    assert load_error(ArtifactError, tmp_path) == (
        f"'{tmp_path}' is a directory, not a model file; pass the model file itself")


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
    joblib.dump({"format": "sklearn", "coef": np.ones(3)}, path)
    assert load_error(ArtifactError, path) == (f"'{path}' is not an rnncli model (its 'format' is not "
                                               "'rnncli-model'); pass a model file saved by rnncli")


def test_a_newer_format_version_asks_for_an_upgrade(model, tmp_path):
    path = tmp_path / "m.joblib"
    save({**model, "format_version": 2}, path)
    assert load_error(ArtifactError, path) == (
        f"'{path}' was written by a newer rnncli (format 2); upgrade rnncli")


@pytest.mark.parametrize(("change", "problem"), [
    ({"format_version": "1"}, "'format_version' is '1', not a positive integer"),
    ({"format_version": 0}, "'format_version' is 0, not a positive integer"),
    ({"network": None}, "'network' should be a dict, got NoneType"),
    ({"network": {"flat": np.zeros(3, dtype=np.int64)}}, "'network.flat' should be a 1-D float array"),
    ({"network": {"flat": np.zeros((2, 2))}}, "'network.flat' should be a 1-D float array"),
    ({"columns": ["a", 1]}, "'columns' should be a list of str"),
    ({"target_idx": [True]}, "'target_idx' should be a list of int"),
    ({"time": "2020"}, "'time' should be a dict or None"),
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
    "object-dtype array": (_write_object_array, "the dtype 'O8' (rnncli stores only numeric arrays)"),
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
def test_load_refuses_the_payload_without_running_it(kind, tmp_path):
    write, reason = PAYLOADS[kind]
    path = tmp_path / "evil.joblib"
    write(path, tmp_path / "marker")
    assert load_error(UnsafeArtifactError, path) == (
        f"'{path}' asks for {reason}, which rnncli's safe loader refuses; "
        "re-train the model or get it from a source you trust")
    assert not (tmp_path / "marker").exists()


@pytest.mark.parametrize("kind", PAYLOADS)
def test_audit_reports_the_payload_without_running_it(kind, tmp_path):
    write, reason = PAYLOADS[kind]
    write(tmp_path / "evil.joblib", tmp_path / "marker")
    report = audit(tmp_path / "evil.joblib")
    assert report["safe"] is False
    assert f"asks for {reason}" in report["reasons"]
    assert not (tmp_path / "marker").exists()


def test_audit_follows_an_object_array_into_its_nested_pickle(tmp_path):
    _write_object_array(tmp_path / "evil.joblib", tmp_path / "marker")
    report = audit(tmp_path / "evil.joblib")
    assert "pathlib.Path.touch" in report["globals"]
    assert "asks for the global pathlib.Path.touch" in report["reasons"]
    assert report["arrays"] == [{"dtype": "O8", "shape": [1], "order": "C"}]


def test_a_numpy_scalar_written_by_plain_joblib_dump_is_refused(tmp_path):
    path = tmp_path / "m.joblib"
    joblib.dump({**_minimal_model(), "options": {"lr": np.float64(0.1)}}, path)
    scalar = f"{np.float64(0).__reduce__()[0].__module__}.scalar"  # numpy._core.multiarray on NumPy 2
    assert load_error(UnsafeArtifactError, path) == (
        f"'{path}' asks for the global {scalar}, which rnncli's safe loader refuses; "
        "re-train the model or get it from a source you trust")


WRAPPER = b"cjoblib.numpy_pickle\nNumpyArrayWrapper\n"
HANDMADE = {
    "REDUCE numpy.ndarray((10,))": (b"\x80\x02cnumpy\nndarray\nK\n\x85\x85R.", "a call to numpy.ndarray"),
    "NEWOBJ numpy.ndarray(10)": (b"\x80\x02cnumpy\nndarray\nK\n\x85\x81.", "a new numpy.ndarray object"),
    "INST numpy.ndarray(10)": (b"(K\ninumpy\nndarray\n.", "the pickle opcode INST"),
    "OBJ numpy.ndarray(10)": (b"\x80\x02(cnumpy\nndarray\nK\no.", "the pickle opcode OBJ"),
    "NEWOBJ_EX NumpyArrayWrapper": (b"\x80\x04" + WRAPPER + b")}\x92.", "the pickle opcode NEWOBJ_EX"),
    "NEWOBJ NumpyArrayWrapper with arguments": (b"\x80\x02" + WRAPPER + b"K\x01\x85\x81.",
                                                "a NumpyArrayWrapper built with arguments"),
    "REDUCE numpy.dtype('O8')": (b"\x80\x02cnumpy\ndtype\nX\x02\x00\x00\x00O8\x89\x88\x87R.",
                                 "the dtype 'O8' (rnncli stores only numeric arrays)"),
    "REDUCE numpy.dtype('f8,i4')": (b"\x80\x02cnumpy\ndtype\nX\x05\x00\x00\x00f8,i4\x89\x88\x87R.",
                                    "the dtype 'f8,i4' (rnncli stores only numeric arrays)"),
    "REDUCE numpy.dtype('f8') without a copy": (
        b"\x80\x02cnumpy\ndtype\nX\x02\x00\x00\x00f8\x89\x89\x87R.",
        "a call to numpy.dtype with the arguments ('f8', False, False)"),
    "BUILD numpy.dtype with object flags": (
        b"\x80\x02cnumpy\ndtype\nX\x02\x00\x00\x00f8\x89\x88\x87R(K\x03X\x01\x00\x00\x00<NNN"
        b"J\xff\xff\xff\xffJ\xff\xff\xff\xffK?tb.",
        "a dtype with the state (3, '<', None, None, None, -1, -1, 63)"),
    "BUILD on the class numpy.ndarray": (b"\x80\x02cnumpy\nndarray\n}b.",
                                         "setting the state of the class numpy.ndarray"),
    "PERSID": (b"\x80\x02Pid\n.", "the pickle opcode PERSID"),
    "EMPTY_SET (216 bytes an opcode byte)": (b"\x80\x04\x8f.", "the pickle opcode EMPTY_SET"),
    "EXT1": (b"\x80\x02\x82\x01.", "the pickle opcode EXT1"),
    "GLOBAL builtins.eval": (b"\x80\x02cbuiltins\neval\n.", "the global builtins.eval"),
    "GLOBAL by prefix numpy.core": (b"\x80\x02cnumpy.core.multiarray\n_reconstruct\n.",
                                    "the global numpy.core.multiarray._reconstruct"),
    "a dtype object in the data": (pickle.dumps({"x": np.dtype("f8")}, protocol=4),
                                   f"a {type(np.dtype('f8')).__module__}.{type(np.dtype('f8')).__name__} "
                                   "object at data['x'] (only plain data is allowed)"),
    "a class in the data": (pickle.dumps({"x": np.ndarray}, protocol=4),
                            "the class numpy.ndarray at data['x'] (only plain data is allowed)"),
    "bytes in the data": (pickle.dumps({"x": [b"raw"]}, protocol=4),
                          "a bytes object at data['x'][0] (only plain data is allowed)"),
    "a list that contains itself": (b"\x80\x02]q\x00h\x00a.", "a container that contains itself at data[0]"),
    "lists nested 200 deep": (b"\x80\x02" + b"]" * 200 + b"a" * 199 + b".",
                              "data nested deeper than 100 levels at data" + "[0]" * 100),
}


@pytest.mark.parametrize("kind", HANDMADE)
def test_load_refuses_handmade_opcodes(kind, tmp_path):
    raw, reason = HANDMADE[kind]
    path = tmp_path / "evil.joblib"
    path.write_bytes(raw)
    assert load_error(UnsafeArtifactError, path) == (
        f"'{path}' asks for {reason}, which rnncli's safe loader refuses; "
        "re-train the model or get it from a source you trust")


@pytest.mark.parametrize("kind", [k for k in HANDMADE if "data" not in k and "itself" not in k
                                  and "nested" not in k])
def test_audit_flags_handmade_opcodes(kind, tmp_path):
    raw, reason = HANDMADE[kind]
    (tmp_path / "evil.joblib").write_bytes(raw)
    report = audit(tmp_path / "evil.joblib")
    assert report["safe"] is False
    assert f"asks for {reason}" in report["reasons"]


def _wrapper_file(path, **fields) -> None:
    """A joblib-style array header (NEWOBJ NumpyArrayWrapper, BUILD state) with `fields` changed."""
    wrapper = NumpyArrayWrapper(np.ndarray, (3,), "C", np.dtype("f8"), allow_mmap=False,
                                numpy_array_alignment_bytes=None)
    wrapper.__dict__.update(fields)
    path.write_bytes(pickle.dumps({**HEADER, "tail": wrapper}, protocol=4) + bytes(24))


HEADERS = {
    "10**12 elements": ({"shape": (10**6, 10**6)},
                        "an array of 1000000000000 elements (the limit is 100000000)"),
    "a negative dimension": ({"shape": (-1,)}, "an array of shape (-1,)"),
    "a float dimension": ({"shape": (3.0,)}, "an array of shape (3.0,)"),
    "a list shape": ({"shape": [3]}, "an array of shape [3]"),
    "order K": ({"order": "K"}, "an array in order 'K'"),
    "an ndarray subclass": ({"subclass": np.memmap}, "the global numpy.memmap"),
    "a class that is no array": ({"subclass": np.dtype}, "an array whose class is not numpy.ndarray"),
    "an object dtype": ({"dtype": np.dtype(object)}, "the dtype 'O8' (rnncli stores only numeric arrays)"),
    "a structured dtype": ({"dtype": np.dtype([("a", "f8")])},
                           "the dtype 'V8' (rnncli stores only numeric arrays)"),
    "a string dtype as plain text": ({"dtype": "f8"}, "an array whose dtype is not a numeric numpy.dtype"),
    "an unknown field": ({"evil": 1}, "an array header with missing or unknown fields ['evil']"),
}


@pytest.mark.parametrize("kind", HEADERS)
def test_array_headers_are_checked_before_any_array_is_allocated(kind, tmp_path):
    fields, reason = HEADERS[kind]
    path = tmp_path / "evil.joblib"
    _wrapper_file(path, **fields)
    tracemalloc.start()
    try:
        message = load_error(UnsafeArtifactError, path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message == (f"'{path}' asks for {reason}, which rnncli's safe loader refuses; "
                       "re-train the model or get it from a source you trust")
    assert peak < 2**20


def test_a_header_claiming_more_data_than_the_file_holds_costs_only_the_bytes_present(tmp_path):
    path = tmp_path / "m.joblib"
    joblib.dump({**_minimal_model(), "tail": np.zeros(10)}, path, protocol=2)  # no frames: patchable
    raw = path.read_bytes()
    assert raw.count(b"K\n\x85") == 1  # the header's shape (10,)
    path.write_bytes(raw.replace(b"K\n\x85", b"J\x80\x96\x98\x00\x85"))  # shape (10**7,): 80 MB claimed
    tracemalloc.start()
    try:
        message = load_error(ArtifactError, path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message.startswith(f"'{path}' is corrupt or truncated: the data ends inside an array of 10000000 ")
    assert peak < 8 * 2**20


def test_the_decompressed_size_is_capped(tmp_path, monkeypatch):
    path = tmp_path / "m.joblib"
    save({**_minimal_model(), "zeros": np.zeros(10_000)}, path, compress=9)
    monkeypatch.setattr(artifact, "MAX_DATA_BYTES", 40_000)
    assert os.path.getsize(path) < 40_000
    assert load_error(UnsafeArtifactError, path) == (
        f"'{path}' asks for more than 40000 bytes of data once decompressed, which rnncli's safe loader "
        "refuses; re-train the model or get it from a source you trust")


def test_the_pickle_instructions_are_capped_apart_from_array_bytes(model, tmp_path, monkeypatch):
    monkeypatch.setattr(artifact, "MAX_PICKLE_BYTES", 20_000)
    save({**model, "zeros": np.zeros(10_000)}, tmp_path / "m.joblib", compress=0)  # 80 KB of array bytes
    assert load(tmp_path / "m.joblib")["zeros"].shape == (10_000,)
    bomb = tmp_path / "bomb.joblib"
    bomb.write_bytes(b"\x80\x04" + b"]" * 30_000 + b".")  # each byte a new list
    assert load_error(UnsafeArtifactError, bomb) == (
        f"'{bomb}' asks for more than 20000 bytes of pickle instructions, which rnncli's safe loader "
        "refuses; re-train the model or get it from a source you trust")


def test_the_file_size_is_capped(model, tmp_path, monkeypatch):
    path = tmp_path / "m.joblib"
    save(model, path)
    monkeypatch.setattr(artifact, "MAX_FILE_BYTES", 100)
    assert load_error(UnsafeArtifactError, path) == (
        f"'{path}' is {os.path.getsize(path)} bytes, more than the 100 a model file may be; "
        "re-train the model or get it from a source you trust")


# -- audit --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [0, 3])
def test_audit_of_a_real_model_lists_its_globals_and_every_array_header(compress, model, tmp_path):
    save(model, tmp_path / "m.joblib", compress=compress)
    assert audit(tmp_path / "m.joblib") == {
        "globals": ["joblib.numpy_pickle.NumpyArrayWrapper", "numpy.dtype", "numpy.ndarray"],
        "arrays": arrays_of(model), "safe": True, "reasons": []}


def test_audit_reports_a_refused_array_header_and_stops_there(tmp_path):
    _wrapper_file(tmp_path / "evil.joblib", shape=(10**6, 10**6))
    report = audit(tmp_path / "evil.joblib")
    assert report["arrays"] == [{"dtype": "<f8", "shape": [10**6, 10**6], "order": "C"}]
    assert report["reasons"][0] == "asks for an array of 1000000000000 elements (the limit is 100000000)"
    assert report["reasons"][1].startswith("stopped reading at byte ")


def test_audit_reports_a_truncated_file(model, tmp_path):
    path = tmp_path / "m.joblib"
    save(model, path)
    path.write_bytes(path.read_bytes()[:-20])
    report = audit(path)
    assert report["safe"] is False
    assert report["reasons"][-1].startswith("corrupt or truncated: ")


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
