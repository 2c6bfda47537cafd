"""A long CSV: many series in one file, told apart by an id column (`read_long_csv`).

The file is read and split into records once; each id's rows then become a `Series` through the same
`build_series` as `read_csv`, so every message names the file line to fix. A series that cannot be
read is kept as its DataError, so that one bad series does not stop the others.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError, DataError
from .records import (
    check_delimiter,
    check_encoding,
    check_fill,
    check_resample,
    check_separators,
    check_smooth,
    name_list,
    read_bytes,
    read_text,
    source_name,
    split_records,
)
from .series import sha256_of
from .table import build_series
from .timecol import (
    check_freq,
    check_tz,
    choose_time_col,
)

__all__ = ["LongTable", "read_long_csv"]


@dataclass
class LongTable:
    """The series of a long CSV, split by its id column.

    `series` maps each id (the cell's text, in order of first appearance) to the `Series` that
    `read_csv` would make of that id's rows alone, or to the `DataError` it would raise: one bad
    series does not stop the others, and `train_many` reports it as failed.
    """

    series: dict
    id_col: str
    time_col: str | None
    source: str
    sha256: str


def read_long_csv(path_or_dash, id_col: str, *, delimiter: str = ",", encoding: str = "utf-8",
                  time_col: str | None = "auto", targets=(), features=(), fill: str = "error",
                  resample: str | None = None, smooth: int | None = None,
                  freq: str | None = None, time_format: str | None = None,
                  tz: str | None = None, no_header: bool = False, decimal: str = ".",
                  thousands: str | None = None, expect_freq: str | None = None) -> LongTable:
    """Read a long CSV ("-" for stdin) with one row per (id, time) into one `Series` per id.

    The file is read and split once; each id's rows then go through `read_csv`'s own checks, so its
    messages name the file line to fix (the source reads "long.csv [store=7]"). The time column is
    chosen once, on the first id's rows, so every series reads the same column. Options are
    `read_csv`'s. Raises ConfigError for an unknown column and DataError for a file that cannot be
    split (unreadable, no rows, an empty id); a problem inside one series is stored as its value.
    """
    given_delimiter, given_encoding = delimiter, encoding
    delimiter = check_delimiter(delimiter)
    encoding = check_encoding(encoding)
    fill, resample, smooth = check_fill(fill), check_resample(resample), check_smooth(smooth)
    freq, tz = check_freq(freq), check_tz(tz)
    decimal, thousands = check_separators(decimal, thousands)
    source = source_name(path_or_dash)
    raw = read_bytes(path_or_dash, source)
    header, rows, lines = split_records(read_text(path_or_dash, encoding, source, delimiter, raw), delimiter,
                                        source, bool(no_header))
    targets, features = name_list(targets, header), name_list(features, header)
    if id_col not in header:
        raise ConfigError(f"unknown `id_col` {id_col!r} in {source}; available columns: {', '.join(header)}")
    for option, names in (("time_col", [time_col]), ("targets", targets), ("features", features)):
        if id_col in names:
            raise ConfigError(f"`{option}` {id_col!r} is the id column (`id_col`); choose another column")
    k = header.index(id_col)
    header = header[:k] + header[k + 1:]
    if not header:
        raise DataError(f"{source} has only the id column {id_col!r}; add a column of values")
    groups: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        if not row[k]:
            raise DataError(f"{source} line {lines[i]}: empty value in the id column {id_col!r}; "
                            "fill it in or delete the row")
        groups.setdefault(row[k], []).append(i)
    cells = [row[:k] + row[k + 1:] for row in rows]

    first = next(iter(groups.values()))
    chosen, _ = choose_time_col(time_col, header, np.array([cells[i] for i in first], dtype=object),
                                     source)
    series: dict = {}
    read = {"delimiter": given_delimiter, "encoding": given_encoding, "time_col": chosen or "none",
            "fill": fill, "resample": resample, "smooth": smooth, "freq": freq, "time_format": time_format,
            "tz": tz, "no_header": bool(no_header), "decimal": decimal, "thousands": thousands}
    digest = sha256_of(raw)
    for key, where in groups.items():
        name = f"{source} [{id_col}={key}]"
        try:
            series[key] = build_series(
                header, [cells[i] for i in where], [lines[i] for i in where], name, time_col=chosen,
                targets=targets, features=features, fill=fill, resample=resample, smooth=smooth,
                freq=freq, time_format=time_format, tz=tz, decimal=decimal, thousands=thousands,
                expect=expect_freq)
            series[key].provenance = {"source": os.path.basename(source), "sha256": digest, "read": read,
                                      "id_col": id_col, "series_id": str(key)}
        except DataError as e:
            series[key] = e
        except (ValueError, TypeError, OverflowError, ArithmeticError) as e:  # read_csv's safety net
            reason = (str(e).splitlines() or [type(e).__name__])[0]
            series[key] = DataError(f"{name}: cannot read the table: {reason}")
    return LongTable(series, id_col, chosen, source, digest)
