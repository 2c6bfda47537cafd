"""The model file under random input: save/load is the identity on plain data, and damaged files
only ever raise ArtifactError (or load, when a flipped byte lands somewhere harmless)."""


import numpy as np
import pytest
from helpers import assert_same
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rnncli.errors import ArtifactError
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


# -- mutation fuzz: damaged files raise ArtifactError, nothing else ------------------------------------


@pytest.mark.parametrize("compress", [0, 3])
def test_damaged_files_only_ever_raise_artifact_error(compress, model, tmp_path):
    path = tmp_path / "m.joblib"
    save(model, path, compress=compress)
    good = path.read_bytes()
    rng = np.random.default_rng(20240 + compress)
    loaded, refused, escaped = 0, 0, []
    for trial in range(1000):
        if trial % 2:
            damaged = good[: int(rng.integers(0, len(good)))]
        else:
            damaged = bytearray(good)
            damaged[int(rng.integers(0, len(good)))] ^= int(rng.integers(1, 256))
        path.write_bytes(bytes(damaged))
        try:
            data = load(path)
        except ArtifactError:
            refused += 1
            continue
        except Exception as e:  # the point of the test: record anything else that escapes
            escaped.append((trial, type(e).__name__, str(e)[:100]))
            continue
        assert trial % 2 == 0, f"a file truncated to {len(damaged)} of {len(good)} bytes loaded"
        assert isinstance(data, dict)
        loaded += 1
    assert escaped == []
    assert refused + loaded == 1000
    assert refused >= 500  # every truncation is refused
