"""DATA in other forms: compressed CSV (by extension), Parquet and Excel (optional extras), binary files."""

import bz2
import gzip
import lzma
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from rnncli.errors import DataError
from rnncli.io.csv import read_csv, read_header, read_long_csv

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
AIRLINE = SAMPLES / "airline.csv"
LONG = SAMPLES / "seattle_long.csv"


def same_series(got, want) -> None:
    np.testing.assert_array_equal(got.values, want.values)
    np.testing.assert_array_equal(got.time, want.time)
    assert (got.columns, got.freq, got.time_col) == (want.columns, want.freq, want.time_col)


def _zip(data: bytes) -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("airline.csv", data)
    return buffer.getvalue()


COMPRESS = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress, ".zip": _zip}


@pytest.mark.parametrize("suffix", list(COMPRESS))
def test_compressed_csv_is_read_by_its_extension(tmp_path, suffix):
    path = tmp_path / f"airline.csv{suffix}"
    path.write_bytes(COMPRESS[suffix](AIRLINE.read_bytes()))
    same_series(read_csv(path), read_csv(AIRLINE))
    assert read_header(path) == ["month", "passengers"]


def test_a_compressed_long_csv_is_read_by_its_extension(tmp_path):
    path = tmp_path / "long.csv.gz"
    path.write_bytes(gzip.compress(LONG.read_bytes()))
    got, want = read_long_csv(path, "variable"), read_long_csv(LONG, "variable")
    assert list(got.series) == list(want.series)
    for key in want.series:
        same_series(got.series[key], want.series[key])


def test_an_error_in_a_compressed_csv_names_the_decompressed_line(tmp_path):
    text = AIRLINE.read_text().replace("1949-05,121", "1949-05,12l")
    path = tmp_path / "bad.csv.gz"
    path.write_bytes(gzip.compress(text.encode()))
    with pytest.raises(DataError, match=r"^.*bad.csv.gz line 6, column 'passengers': '12l' is not a number"):
        read_csv(path)


def test_a_zip_with_two_files_is_refused_naming_them(tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", "x\n1\n")
        archive.writestr("b.csv", "x\n2\n")
    with pytest.raises(DataError, match=r"two.zip holds 2 files \(a.csv, b.csv\); a .zip DATA file must hold "
                                        r"exactly one CSV file"):
        read_csv(path)


def test_a_plain_file_named_gz_says_it_is_not_gzip(tmp_path):
    path = tmp_path / "plain.csv.gz"
    path.write_bytes(AIRLINE.read_bytes())
    with pytest.raises(DataError, match=r"plain.csv.gz is not valid gzip data .*rename it without .gz$"):
        read_csv(path)


@pytest.mark.parametrize(("data", "said"), [
    (gzip.compress(b"month,x\n2020-01-01,1\n"), "it is gzip-compressed; name it *.csv.gz"),
    (bz2.compress(b"month,x\n"), "it is bzip2-compressed; name it *.csv.bz2"),
    (lzma.compress(b"month,x\n"), "it is xz-compressed; name it *.csv.xz"),
    (b"PAR1\x15\x04\x15\x00", "it is a Parquet file; name it *.parquet (needs the 'parquet' extra)"),
    (b"PK\x03\x04\x14\x00\x00\x00[Content_Types].xml", "it is an Excel workbook (.xlsx); name it *.xlsx"),
    (b"PK\x03\x04\x14\x00\x00\x00data.csv", "it is a zip archive; name it *.csv.zip"),
    (b"\x80\x04\x95\x10\x00\x00", "it is a Python pickle (a model file?); pass a CSV file as DATA"),
])
def test_a_binary_file_gets_a_hint_about_its_real_format_not_the_encoding(tmp_path, data, said):
    path = tmp_path / "data.csv"
    path.write_bytes(data)
    for encoding in ("utf-8", "latin-1"):  # latin-1 decodes any bytes: the format is checked first
        with pytest.raises(DataError) as info:
            read_csv(path, encoding=encoding)
        assert str(info.value).startswith(f"{path} is not a text (CSV) file: {said}")
        assert "--encoding" not in str(info.value)


def test_a_joblib_model_file_given_as_data_is_named(tmp_path):
    import zlib

    path = tmp_path / "model.csv"
    path.write_bytes(zlib.compress(b"\x80\x04\x95" + bytes(range(256)) * 4))
    with pytest.raises(DataError, match=r"is not a text \(CSV\) file: it is zlib-compressed \(a joblib model "
                                        r"file\?\); pass a CSV file as DATA and the model file as MODEL"):
        read_csv(path)


def test_parquet_is_read_with_the_parquet_extra(tmp_path):
    pytest.importorskip("pyarrow")
    import pandas as pd

    frame = pd.read_csv(AIRLINE, parse_dates=["month"])
    frame.to_parquet(tmp_path / "plain.parquet")
    frame.set_index("month").to_parquet(tmp_path / "indexed.parquet")  # the time as the index
    for name in ("plain.parquet", "indexed.parquet"):
        same_series(read_csv(tmp_path / name), read_csv(AIRLINE))


def test_excel_is_read_with_the_excel_extra(tmp_path):
    pytest.importorskip("openpyxl")
    import pandas as pd

    pd.read_csv(AIRLINE, parse_dates=["month"]).to_excel(tmp_path / "airline.xlsx", index=False)
    same_series(read_csv(tmp_path / "airline.xlsx"), read_csv(AIRLINE))
    assert read_header(tmp_path / "airline.xlsx") == ["month", "passengers"]


@pytest.mark.parametrize(("name", "module", "extra"), [("d.parquet", "pyarrow", "parquet"),
                                                       ("d.xlsx", "openpyxl", "excel")])
def test_a_missing_extra_is_named_with_its_install_command(tmp_path, monkeypatch, name, module, extra):
    from rnncli.errors import install_hint

    monkeypatch.setitem(sys.modules, module, None)
    (tmp_path / name).write_bytes(b"\x00")
    with pytest.raises(DataError) as info:
        read_csv(tmp_path / name)
    kind = "a Parquet" if extra == "parquet" else "an Excel"
    assert str(info.value) == (f"{tmp_path / name} is {kind} file, and reading it needs the '{extra}' "
                               f"extra ({module}): {install_hint(extra)}; or save it as CSV")
