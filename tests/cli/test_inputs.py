"""DATA in other forms through the commands: compressed CSV wherever a command reads DATA."""

import bz2
import gzip
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
AIRLINE = SAMPLES / "airline.csv"


def test_window_predict_and_evaluate_read_compressed_data_as_the_plain_file(run, airline_model, tmp_path):
    gz, bz = tmp_path / "airline.csv.gz", tmp_path / "airline.csv.bz2"
    gz.write_bytes(gzip.compress(AIRLINE.read_bytes()))
    bz.write_bytes(bz2.compress(AIRLINE.read_bytes()))
    for args in (["window", "{}", "--past", "3", "--future", "2"], ["predict", airline_model, "{}"],
                 ["evaluate", airline_model, "{}", "--format", "csv"]):
        want = run(*[AIRLINE if a == "{}" else a for a in args])
        assert want.exit_code == 0, want.stderr
        for path in (gz, bz):
            got = run(*[path if a == "{}" else a for a in args])
            assert (got.exit_code, got.stdout) == (0, want.stdout), got.stderr


def test_a_gzip_file_named_csv_gets_the_hint_to_name_it_gz(run, error_line, tmp_path):
    path = tmp_path / "sales.csv"
    path.write_bytes(gzip.compress(AIRLINE.read_bytes()))
    assert error_line(run("window", path, "--past", 3, "--future", 1), 1) == (
        f"Error: {path} is not a text (CSV) file: it is gzip-compressed; name it *.csv.gz "
        "(rnncli decompresses by the extension) or gunzip it")
