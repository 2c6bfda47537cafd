"""The engine is NumPy only: no pandas, click, rich or joblib, no file access, no printing."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import rnncli

REPO_ROOT = Path(rnncli.__file__).resolve().parent.parent
ENGINE_FILES = sorted((REPO_ROOT / "rnncli" / "engine").glob("*.py"))
HEAVY = ["pandas", "click", "rich", "joblib"]
# Standard-library modules with no I/O that the engine may use besides numpy and itself.
ALLOWED_STDLIB = {"__future__", "dataclasses", "typing", "math"}


@pytest.mark.slow
def test_importing_the_engine_loads_no_heavy_dependency():
    code = (
        "import json, sys\n"
        "import rnncli.engine, rnncli.engine.network, rnncli.engine.train\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []


def imported_modules(tree: ast.Module) -> set[str]:
    """Top-level names of absolute imports ('' stands for relative, i.e. the engine's own modules)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("" if node.level else node.module.split(".")[0])
    return names


def called_names(tree: ast.Module) -> set[str]:
    return {node.func.id for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}


def test_there_are_engine_files_to_check():
    assert {"network.py", "lstm.py", "rnn.py", "train.py"} <= {p.name for p in ENGINE_FILES}


@pytest.mark.parametrize("path", ENGINE_FILES, ids=lambda p: p.name)
def test_engine_module_imports_only_numpy_and_the_engine(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert imported_modules(tree) <= {"numpy", "", *ALLOWED_STDLIB}


@pytest.mark.parametrize("path", ENGINE_FILES, ids=lambda p: p.name)
def test_engine_module_neither_prints_nor_opens_files(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert not called_names(tree) & {"print", "open"}
