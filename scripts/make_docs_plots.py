"""Draw the README's three plots into docs/ from the sample data, with the CLI's own --plot.

    python scripts/make_docs_plots.py            # writes docs/evaluate.png, docs/predict.png, docs/info.png

It runs the README's flow in a temporary directory: train on sample_data/airline_train.csv
(--past 12 --future 6, the defaults otherwise), then `evaluate ... airline_test.csv --plot`,
`predict --interval 0.9 --plot` and `info --plot`. Needs the 'plot' extra (matplotlib).
"""

import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

from rnncli.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
DOCS = ROOT / "docs"


def rnncli(*args) -> None:
    result = CliRunner().invoke(cli, [str(a) for a in args], prog_name="rnncli")
    if result.exit_code != 0:
        raise SystemExit(f"rnncli {' '.join(map(str, args))} failed: {result.stderr}")


def main() -> int:
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "airline.joblib"
        rnncli("train", SAMPLES / "airline_train.csv", "--past", 12, "--future", 6, "-o", model, "--quiet")
        rnncli("evaluate", model, SAMPLES / "airline_test.csv", "--plot", DOCS / "evaluate.png")
        rnncli("predict", model, "--interval", 0.9, "--plot", DOCS / "predict.png")
        rnncli("info", model, "--plot", DOCS / "info.png")
    for name in ("evaluate", "predict", "info"):
        print(f"wrote {(DOCS / f'{name}.png').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
