"""The supervised framing: windows of `past` input rows and `future` target rows, split in time order."""

import numpy as np
import pytest
from helpers import said

from rnncli.errors import ConfigError, DataError
from rnncli.model.windows import make_windows, n_windows, split_windows, train_rows


def row_numbers(n: int) -> np.ndarray:
    """A one-column series whose value is its row number, so a window shows which rows it used."""
    return np.arange(n, dtype=np.float64)[:, None]


# -- n_windows and make_windows ---------------------------------------------------------


def test_n_windows_is_rows_minus_past_minus_future_plus_one():
    assert n_windows(10, 5, 3) == 3
    assert n_windows(8, 5, 3) == 1
    assert n_windows(7, 5, 3) == 0
    assert n_windows(2, 5, 3) == -5


def test_worked_example_past_5_future_3_on_ten_rows_gives_three_windows():
    X, Y = make_windows(row_numbers(10), past=5, future=3, feature_idx=[0], target_idx=[0])

    expected_X = np.array([[0, 1, 2, 3, 4],
                           [1, 2, 3, 4, 5],
                           [2, 3, 4, 5, 6]], dtype=np.float64)[:, :, None]
    expected_Y = np.array([[5, 6, 7],
                           [6, 7, 8],
                           [7, 8, 9]], dtype=np.float64)[:, :, None]
    np.testing.assert_array_equal(X, expected_X)
    np.testing.assert_array_equal(Y, expected_Y)
    assert X.shape == (3, 5, 1)
    assert Y.shape == (3, 3, 1)


def test_features_and_targets_are_chosen_by_column_index():
    r = np.arange(6, dtype=np.float64)
    data = np.column_stack([r, 10 * r, 100 * r])  # columns a = row, b = 10 row, c = 100 row

    X, Y = make_windows(data, past=2, future=1, feature_idx=[0, 2], target_idx=[1])

    expected_X = np.array([[[0, 0], [1, 100]],
                           [[1, 100], [2, 200]],
                           [[2, 200], [3, 300]],
                           [[3, 300], [4, 400]]], dtype=np.float64)
    expected_Y = np.array([[[20]], [[30]], [[40]], [[50]]], dtype=np.float64)
    np.testing.assert_array_equal(X, expected_X)
    np.testing.assert_array_equal(Y, expected_Y)


def test_windows_are_contiguous_copies_of_the_data():
    data = row_numbers(10)

    X, Y = make_windows(data, past=5, future=3, feature_idx=[0], target_idx=[0])
    X[...] = -1.0
    Y[...] = -1.0

    assert X.flags.c_contiguous
    assert Y.flags.c_contiguous
    np.testing.assert_array_equal(data, row_numbers(10))


def test_integer_data_becomes_float64_and_float32_stays_float32():
    X64, Y64 = make_windows(np.arange(10)[:, None], 5, 3, [0], [0])
    X32, Y32 = make_windows(row_numbers(10).astype(np.float32), 5, 3, [0], [0])

    assert (X64.dtype, Y64.dtype) == (np.float64, np.float64)
    assert (X32.dtype, Y32.dtype) == (np.float32, np.float32)


def test_too_short_series_error_states_rows_past_future_and_minimum():
    with pytest.raises(DataError) as excinfo:
        make_windows(row_numbers(7), past=5, future=3, feature_idx=[0], target_idx=[0])

    assert said(excinfo.value) == (
        "series has 7 rows but --past 5 + --future 3 needs at least 8 "
        "(S = n - past - future + 1 = 0 windows); use a longer series or lower --past/--future"
    )


def test_exactly_past_plus_future_rows_give_one_window():
    X, Y = make_windows(row_numbers(8), past=5, future=3, feature_idx=[0], target_idx=[0])

    np.testing.assert_array_equal(X[:, :, 0], [[0, 1, 2, 3, 4]])
    np.testing.assert_array_equal(Y[:, :, 0], [[5, 6, 7]])


@pytest.mark.parametrize("past", [0, -1, 2.5, True])
def test_past_must_be_a_whole_number_of_at_least_one(past):
    with pytest.raises(ConfigError) as excinfo:
        make_windows(row_numbers(10), past=past, future=3, feature_idx=[0], target_idx=[0])

    assert said(excinfo.value) == f"--past must be a whole number of time steps, 1 or more; got {past!r}"


@pytest.mark.parametrize("future", [0, -3, 1.0])
def test_future_must_be_a_whole_number_of_at_least_one(future):
    with pytest.raises(ConfigError) as excinfo:
        make_windows(row_numbers(10), past=5, future=future, feature_idx=[0], target_idx=[0])

    assert said(excinfo.value) == f"--future must be a whole number of time steps, 1 or more; got {future!r}"


def test_column_index_out_of_range_is_a_data_error():
    with pytest.raises(DataError, match=r"column indices \[0, 3\] must be non-empty and each in 0\.\.2"):
        make_windows(np.zeros((10, 3)), past=2, future=1, feature_idx=[0, 3], target_idx=[0])


# -- split_windows and train_rows -------------------------------------------------------


def test_validation_is_the_last_windows_and_training_ends_future_minus_one_windows_earlier():
    # S = 20, n_val = ceil(20 * 0.25) = 5, v0 = 15; training is windows 0 .. v0 - future = 12
    train, val = split_windows(20, val_frac=0.25, future=3)

    assert train == slice(0, 13)
    assert val == slice(15, 20)


VAL_FRACS = (0.0, 0.01, 0.1, 0.2, 0.25, 0.3, 1 / 3, 0.5, 0.7, 0.9)


def every_split():
    """Every splittable (S, val_frac, past, future) for S <= 40, past <= 4, future <= 6, with its windows
    over row numbers (so Y holds target row indices) and its (train, val) slices."""
    for past in range(1, 5):
        for future in range(1, 7):
            for S in range(1, 41):
                X, Y = make_windows(row_numbers(S + past + future - 1), past, future, [0], [0])
                assert len(X) == S
                for val_frac in VAL_FRACS:
                    try:
                        train, val = split_windows(S, val_frac, future)
                    except DataError:
                        continue
                    yield S, val_frac, past, future, X, Y, train, val


def test_no_validation_target_row_is_a_training_target_row():
    for *_, Y, train, val in every_split():
        assert set(Y[train].ravel()).isdisjoint(Y[val].ravel())


def test_training_keeps_every_window_whose_targets_precede_validation():
    for S, val_frac, *_, Y, train, val in every_split():
        assert (train.start, val.stop) == (0, S)
        if val_frac > 0:
            next_window = Y[train.stop]  # the first window left out of training overlaps validation
            assert not set(next_window.ravel()).isdisjoint(Y[val].ravel())


def test_training_rows_end_right_before_the_first_validation_target_row():
    for _, val_frac, past, future, X, Y, train, val in every_split():
        rows = train_rows(train, past, future)
        assert max(X[train].max(), Y[train].max()) == rows - 1
        if val_frac > 0:
            assert rows == Y[val].min()


def test_the_split_grid_is_not_vacuous():
    assert sum(1 for _ in every_split()) > 5000


def test_train_rows_counts_inputs_and_targets_of_the_training_windows():
    # windows 0..12, the last one using rows 12..16 as inputs and 17..19 as targets
    assert train_rows(slice(0, 13), past=5, future=3) == 20


def test_val_frac_zero_trains_on_every_window():
    train, val = split_windows(7, val_frac=0.0, future=3)

    assert train == slice(0, 7)
    assert val == slice(7, 7)
    assert len(range(7)[val]) == 0


def test_any_positive_val_frac_keeps_at_least_one_validation_window():
    train, val = split_windows(10, val_frac=0.001, future=2)

    assert val == slice(9, 10)
    assert train == slice(0, 8)


def test_val_frac_is_not_inflated_by_float_rounding():
    # 50 * 0.14 == 7.000000000000001 in floating point; the validation set is still 7 windows
    train, val = split_windows(50, val_frac=0.14, future=1)

    assert val == slice(43, 50)
    assert train == slice(0, 43)


@pytest.mark.parametrize("val_frac", [-0.1, 1.0, 1.5, float("nan")])
def test_val_frac_outside_zero_to_one_is_a_config_error(val_frac):
    with pytest.raises(ConfigError) as excinfo:
        split_windows(20, val_frac=val_frac, future=3)

    assert said(excinfo.value) == f"--val-frac must be at least 0 and below 1; got {val_frac!r}"


def test_too_few_windows_error_states_the_counts_and_the_fix():
    # n_val = ceil(4 * 0.3) = 2, v0 = 2, training would be windows 0 .. v0 - future = -1: none
    with pytest.raises(DataError) as excinfo:
        split_windows(4, val_frac=0.3, future=3)

    assert said(excinfo.value) == (
        "4 windows are too few for --val-frac 0.3 with --future 3: validation takes the last 2 "
        "and the 2 before them share target rows with it, leaving 0 for training "
        "(needs at least n_val + future = 5 windows); lower --val-frac or --past/--future, "
        "or use a longer series"
    )


def test_the_smallest_splittable_count_leaves_one_training_window():
    train, val = split_windows(5, val_frac=0.3, future=3)  # n_val = 2, needs 2 + 3 = 5

    assert train == slice(0, 1)
    assert val == slice(3, 5)


def test_zero_windows_cannot_be_split():
    with pytest.raises(DataError, match="there are 0 windows to split"):
        split_windows(0, val_frac=0.2, future=3)
