"""The anchor test of `scale="auto"` and `"seasonal"`: which baseline the network corrects.

Before any network is trained, `choose_anchor` scores naive and seasonal-naive forecasts (the
candidate seasons: the `season` option or the data frequency's, and the period of the strongest
autocorrelation of the first differences), each with and without drift, from every window origin
of the training data, and keeps the one of lowest RMSE relative to naive: a cheap rolling-origin
test instead of training a network per candidate. The result is the season and drift of the
anchored scaling and the `choice_` record (the reason and each baseline's RMSE) shown by the CLI.
"""

import numpy as np

from ..errors import ConfigError
from . import baselines, scaling, seasons, windows

__all__ = ["choose_anchor"]


def choose_anchor(model, values: np.ndarray, kind: str, breaks=None) -> tuple[int, bool, dict]:
    """The season m and drift of the anchored scalings, and why: (m, drift, choice dict for `choice_`).

    "auto" scores the candidate baselines from every window origin of `values` (each from the
    window's own `past` rows): naive and seasonal naive for the candidate seasons (the `season`
    option or the frequency's, and the period of the strongest autocorrelation of the first
    differences, each when 2 <= m <= past), each with and without drift (`scaling.reference`),
    and keeps the lowest RMSE (relative to naive, averaged over targets): a cheap rolling-origin
    test instead of training a network per candidate. "seasonal" takes the first candidate
    season, without drift; "level" is naive; other scalings have no anchor (1, False).
    """
    # The reasons "--scale X was given" keep the flag: the model file stores them (the same file from
    # Python and from the CLI) and `train --format json` prints the stored record as it is.
    if model.scale not in ("auto", "seasonal"):
        return 1, False, {"scale": kind, "season": 1, "drift": False,
                          "reason": f"--scale {kind} was given"}
    y = values[:, model.target_idx_]
    freq = (model.time_ or {}).get("freq")
    candidates = []
    lag = seasons.strongest_lag(y, 2, model.past)
    found = [] if lag is None else [lag, lag - 1, lag + 1]  # a cycle's period is rarely a whole number
    for m in (model.season or baselines.default_season(freq), *found):
        if m is not None and 2 <= m <= model.past and m not in candidates:
            candidates.append(m)
    if model.scale == "seasonal":
        if model.season is not None and model.season > model.past:
            raise ConfigError(f"`scale='seasonal'` needs `past` >= `season`; got `past={model.past}`, "
                              f"`season={model.season}`")
        if not candidates:
            raise ConfigError("`scale='seasonal'` found no season: the data's frequency has none and no "
                              f"lag of 2..{model.past} is autocorrelated; give `season` (<= `past`)")
        m = candidates[0]
        return m, False, {"scale": "seasonal", "season": m, "drift": False,
                          "reason": "--scale seasonal was given"}
    # the "level" windows of the targets, and the targets' own past, that straddle no break
    lb = scaling.lookback("level", model.past)
    Tpast, Yraw = windows.make_windows(values, lb, model.future, model.target_idx_, model.target_idx_)
    starts = windows.window_starts(len(values), lb, model.future, breaks)
    if len(starts) < len(Yraw):
        Yraw, Tpast = Yraw[starts], Tpast[starts]
    errs = {}
    for m in [1, *candidates]:
        for drift in (False, True):
            if drift and m >= model.past:
                continue
            e = Yraw - scaling.reference(Tpast, model.future, m, drift)
            errs[m, drift] = np.sqrt(np.mean(e**2, axis=(0, 1)))
    rel = {c: float(np.mean(r / np.maximum(errs[1, False], 1e-300))) for c, r in errs.items()}
    best = min(rel, key=lambda c: (rel[c], c))

    def name(c):
        return ("naive" if c[0] == 1 else f"seasonal naive (m={c[0]})") + (" with drift" if c[1] else "")

    others = ", ".join(f"{name(c)} {rel[c]:.3g}" for c in rel if c != best)
    reason = (f"{name(best)} had the lowest RMSE from {len(Yraw)} window origins "
              f"(relative to naive: {rel[best]:.3g}{'; ' + others if others else ''})")
    m, drift = best
    choice = {"scale": "seasonal" if m > 1 else "level", "season": m, "drift": drift, "reason": reason,
              "baseline_rmse": {name(c): [float(v) for v in r] for c, r in errs.items()}}
    season = model.season or baselines.default_season(freq)
    if season > model.past:  # seasonal naive needs a season of history inside each window
        choice["note"] = (f"the data's season ({season}) is longer than `past={model.past}`, so seasonal "
                          f"naive could not be tested as the anchor; train with `past={season}` or more "
                          "to let the model build on it")
    return m, drift, choice
