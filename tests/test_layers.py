"""The package's layers: engine <- model <- io <- multi <- cli, each importing only what lies below it.

Read from the source (every import, at module level or inside a function): no module imports from a
layer above its own, the modules import one another without a cycle, and no module takes a private
name (`_x`) from another module, by `from m import _x` or by `m._x`. `rnncli/__init__.py` (the Python
API) and `__main__.py` sit on top; `errors.py`, `text.py` (escaping text for the terminal) and
`threads.py` (the BLAS thread policy) at the bottom, below the engine, which imports nothing of rnncli
(tests/engine/test_engine_purity.py checks it further: NumPy only, no I/O).
"""

import ast
from pathlib import Path

import pytest

import rnncli

PACKAGE = Path(rnncli.__file__).resolve().parent
LAYERS = ["errors", "text", "threads", "engine", "model", "io", "multi", "cli"]  # lowest first
TOP = {"rnncli", "rnncli.__main__"}  # the Python API and `python -m rnncli` may use every layer


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> int | None:
    """The index of `module`'s layer in LAYERS; None for the top (the package itself, __main__)."""
    if module in TOP:
        return None
    return LAYERS.index(module.split(".")[1])


def resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute name of what `node` (in `module`) imports from."""
    if not node.level:
        return node.module
    is_package = MODULES[module].name == "__init__.py"
    base = module.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: str):
    """(imported rnncli module, names taken from it, line) for every import in `module`; and the
    private attributes read from modules bound by those imports, as (module, name, line)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found, bound = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "rnncli":
                    found.append((alias.name, [], node.lineno))
                    if alias.asname:
                        bound[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            source = resolve(module, node)
            if source.split(".")[0] != "rnncli":
                continue
            names = []
            for alias in node.names:
                if f"{source}.{alias.name}" in MODULES:  # `from . import windows`: a module
                    found.append((f"{source}.{alias.name}", [], node.lineno))
                    bound[alias.asname or alias.name] = f"{source}.{alias.name}"
                else:
                    names.append(alias.name)
            if names or source not in MODULES:
                found.append((source, names, node.lineno))
    private = [(bound[n.value.id], n.attr, n.lineno) for n in ast.walk(tree)
               if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in bound
               and n.attr.startswith("_") and not n.attr.startswith("__")]
    return found, private


def test_every_module_has_a_layer():
    assert {"rnncli.engine.network", "rnncli.model.forecaster", "rnncli.io.csv", "rnncli.multi.parallel",
            "rnncli.cli"} <= set(MODULES)
    for module in MODULES:
        assert module in TOP or module.split(".")[1] in LAYERS, module


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_upward_import(module):
    own = layer(module)
    if own is None:
        return
    for source, names, line in imports(module)[0]:
        if source == "rnncli":  # the package itself: only its version
            assert set(names) <= {"__version__"}, f"{module}:{line} imports {names} from rnncli"
            continue
        assert layer(source) <= own, f"{module}:{line} imports {source}, a layer above its own"
        if own == LAYERS.index("engine"):
            assert layer(source) == own, f"{module}:{line}: the engine imports only itself and NumPy"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_private_name_from_another_module(module):
    found, private = imports(module)
    taken = [(source, name, line) for source, names, line in found for name in names
             if name.startswith("_") and not name.startswith("__")]
    assert not [t for t in taken + private if t[0] != module], f"{module} uses another module's private names"


def test_no_import_cycle():
    graph = {m: {s if s in MODULES else s.rpartition(".")[0] for s, _, _ in imports(m)[0]} - {m} - TOP
             for m in MODULES}  # `from rnncli import __version__` (a constant) is no edge
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(m, path):
        state[m] = 1
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycle = [*path[path.index(n):], n]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if n not in state:
                visit(n, [*path, n])
        state[m] = 2

    for m in sorted(MODULES):
        if m not in state:
            visit(m, [m])


def test_the_checks_see_what_they_should():
    """The parser resolves relative imports as the tests above assume."""
    found = {(source, tuple(names)) for source, names, _ in imports("rnncli.model.forecaster")[0]}
    assert ("rnncli.model.windows", ()) in found  # from . import ..., windows
    assert ("rnncli.engine.network", ("CELLS", "DTYPES", "Network")) in found  # from ..engine.network
    assert layer("rnncli.cli.output") == LAYERS.index("cli")
    assert layer("rnncli") is None
