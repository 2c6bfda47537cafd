"""The model file under random input: save/load is the identity on plain data, and damaged or
crafted files (bytes flipped, values changed) only ever load as a usable model or raise one of the
two artifact errors, within a memory bound."""

import copy
import math
import tracemalloc

import joblib
import numpy as np
import pytest
from helpers import assert_same
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rnncli.errors import ArtifactError, UnsafeArtifactError
from rnncli.io import artifact
from rnncli.io.artifact import load, save
from rnncli.model.forecaster import Forecaster


@pytest.fixture(scope="module")
def model() -> dict:
    return Forecaster(past=4, future=2, hidden=4, epochs=2).fit(np.sin(np.arange(60.0))).to_dict()


# -- property: save then load gives back the same plain data ------------------------------------------

DTYPES = ["bool", "int8", "int64", "uint32", "float16", "float32", "float64", "complex128"]
arrays = st.tuples(
    st.sampled_from(DTYPES).flatmap(
        lambda dtype: hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))),
    st.booleans(),
).map(lambda pair: np.asfortranarray(pair[0]) if pair[1] else pair[0])
scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**130), max_value=2**130) | st.floats()
           | st.text(max_size=12))
keys = st.text(max_size=8) | st.integers(min_value=-5, max_value=5)
plain = st.recursive(
    scalars | arrays,
    lambda children: (st.lists(children, max_size=4) | st.lists(children, max_size=4).map(tuple)
                      | st.dictionaries(keys, children, max_size=4)),
    max_leaves=16,
)


@settings(max_examples=50, deadline=None)
@given(extra=plain, compress=st.sampled_from([0, 3]))
def test_save_then_load_is_the_identity_on_plain_data(extra, compress, model, tmp_path_factory):
    path = tmp_path_factory.mktemp("prop") / "m.joblib"
    data = {**model, "extra": extra}
    save(data, path, compress=compress)
    assert_same(load(path), data)


# -- mutation fuzz: damaged files load as a usable model or raise an artifact error ------------------

MEMORY_BOUND = 32 * 2**20  # bytes a load may allocate (tracemalloc's peak); a valid model needs < 1 MB


class Outcomes:
    """Runs `load` on each file, under tracemalloc, and tallies what happened."""

    def __init__(self):
        self.loaded = self.refused = 0
        self.escaped, self.unusable, self.peaks = [], [], []

    def load(self, trial, path) -> dict | None:
        tracemalloc.start()
        try:
            data = load(path)
        except (ArtifactError, UnsafeArtifactError):  # ArtifactError's subclasses are these two alone
            self.refused += 1
            return None
        except Exception as e:  # the point of the test: record anything else that escapes
            self.escaped.append((trial, type(e).__name__, str(e)[:100]))
            return None
        finally:
            self.peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        self.loaded += 1
        try:  # a model the loader accepts must forecast
            fc = Forecaster.from_dict(data).predict()
            assert fc.values.shape == (data["options"]["future"], len(data["target_idx"]))
        except Exception as e:
            self.unusable.append((trial, type(e).__name__, str(e)[:100]))
        return data


@pytest.mark.parametrize("compress", [0, 3])
def test_damaged_bytes_only_ever_raise_artifact_error(compress, model, tmp_path):
    path = tmp_path / "m.joblib"
    save(model, path, compress=compress)
    good = path.read_bytes()
    rng = np.random.default_rng(20240 + compress)
    seen = Outcomes()
    for trial in range(400):
        if trial % 2:
            damaged = good[: int(rng.integers(0, len(good)))]
        else:
            damaged = bytearray(good)
            damaged[int(rng.integers(0, len(good)))] ^= int(rng.integers(1, 256))
        path.write_bytes(bytes(damaged))
        if seen.load(trial, path) is not None:
            assert trial % 2 == 0, f"a file truncated to {len(damaged)} of {len(good)} bytes loaded"
    assert (seen.escaped, seen.unusable) == ([], [])
    assert seen.refused + seen.loaded == 400
    assert seen.refused >= 200  # every truncation is refused
    assert max(seen.peaks) < MEMORY_BOUND


# Values a hostile or unlucky writer might put anywhere in the file.
POOL = [0, -1, 1, 2, 7, 2**31, 2**63, 10**12, 300_000_000, 14000, -1e308, 1e308, math.nan, math.inf, 0.5,
        "", "10s", "nope", "\x1b[32mok", "lstm", "float64", "diff", None, True, False, [], {}, [1.0] * 3,
        [[0.5]], {"x": 1}, b"\x00" * 8, (1, 2)]
DTYPES_IN_FILE = ["<f8", "<f4", "|b1", "<i8", ">f8", "<f16", "|O", "<c16", "f8"]


def _leaves(value, path=()):
    """(path, value) of every node under `value`, containers included."""
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))


def _mutate(plain: dict, rng) -> None:
    """Change one node of the plain (as saved) model dict in place."""
    nodes = list(_leaves(plain))[1:]
    path, value = nodes[int(rng.integers(len(nodes)))]
    parent = plain
    for key in path[:-1]:
        parent = parent[key]
    key, roll = path[-1], int(rng.integers(6))
    if isinstance(value, bytes) and roll < 3:  # array data: cut, extend or flip
        cut = int(rng.integers(len(value) + 1))
        flipped = bytes(b ^ 0xFF for b in value[:cut]) + value[cut:]
        parent[key] = [value[:cut], value + value[:8], flipped][roll]
    elif isinstance(value, dict) and "__ndarray__" in value and roll < 3:
        if roll == 0:
            value["__ndarray__"] = DTYPES_IN_FILE[int(rng.integers(len(DTYPES_IN_FILE)))]
        elif value["shape"]:
            value["shape"][int(rng.integers(len(value["shape"])))] *= int(rng.choice([0, 2, 1000, 10**9]))
        else:
            value["shape"] = [1]
    elif isinstance(value, (dict, list)) and value and roll < 2:
        if isinstance(value, dict):
            del value[list(value)[int(rng.integers(len(value)))]]
        elif roll:
            value.append(copy.deepcopy(value[-1]))
        else:
            value.pop()
    elif type(value) is int and roll < 3:
        parent[key] = value + [1, -1, value * 1000][roll]
    else:
        parent[key] = copy.deepcopy(POOL[int(rng.integers(len(POOL)))])


@pytest.fixture(scope="module")
def cli_model(airline_model) -> dict:
    """A model trained by `rnncli train`: it has time and read settings to mutate too."""
    return load(airline_model)


def test_changed_values_load_as_a_usable_model_or_raise_artifact_error(cli_model, tmp_path):
    plain = artifact._plain(cli_model, "data", 0)
    path = tmp_path / "m.joblib"
    rng = np.random.default_rng(11)
    seen = Outcomes()
    for trial in range(300):
        mutated = copy.deepcopy(plain)
        for _ in range(int(rng.integers(1, 3))):
            _mutate(mutated, rng)
        joblib.dump(mutated, path, protocol=4)  # written as a crafted file would be, not through save()
        seen.load(trial, path)
    assert (seen.escaped, seen.unusable) == ([], [])
    assert seen.refused > 200  # most changes are refused...
    assert seen.loaded > 10  # ...some land on values any model may have
    assert max(seen.peaks) < MEMORY_BOUND
