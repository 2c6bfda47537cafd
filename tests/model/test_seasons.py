"""Seasonal periods: from the frequency alias, and found in the data by the autocorrelation."""

import numpy as np
import pytest

from rnncli.model import seasons


@pytest.mark.parametrize(("period", "noise"), [(7, 0.1), (10, 0.3), (12, 0.2)])
def test_the_period_of_a_noisy_cycle_is_found(period, noise):
    t = np.arange(300)
    y = 5 * np.sin(2 * np.pi * t / period) + noise * np.random.default_rng(0).normal(size=300)
    assert seasons.strongest_lag(y[:, None], 2, 30) == period


def test_the_fundamental_period_wins_over_its_multiples():
    t = np.arange(300)
    y = np.sin(2 * np.pi * t / 6)  # lags 6, 12 and 18 correlate equally
    assert seasons.strongest_lag(y[:, None], 2, 20) == 6


def test_no_lag_is_found_when_the_range_is_empty_or_nothing_correlates():
    assert seasons.strongest_lag(np.arange(10.0)[:, None], 2, 1) is None
    alternating = np.cumsum(np.tile([1.0, -1.0], 50))  # differences alternate: even lags +1, odd -1
    assert seasons.strongest_lag(alternating[:, None], 3, 3) is None


def test_a_trend_does_not_hide_the_season():
    t = np.arange(144)
    y = 100 + 2 * t + 20 * np.sin(2 * np.pi * t / 12)
    assert seasons.strongest_lag(y[:, None], 2, 24) == 12
