"""The package's layers: every module imports only from its own layer or the layers below.

The data path (docs/architecture.md): io -> physics -> beams, detector -> simulation ->
statistics -> experiments -> plotting -> analyses -> cli. Sibling packages of one layer
(beams and detector; the two experiments) do not import each other. Imports inside functions
count too (the test reads every ``import`` statement of every module).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import neutrissimo

ROOT = Path(neutrissimo.__file__).parent
#: rank of each top-level unit; equal ranks are siblings that must not import each other.
LAYERS: dict[str, int] = {
    "exceptions": -1,
    "io": 0,
    "physics": 1,
    "beams": 2,
    "detector": 2,
    "simulation": 3,
    "statistics": 4,
    "experiments": 5,
    "plotting": 6,
    "analyses": 7,
    "cli": 8,
    "__main__": 9,
    "__init__": 9,
}
#: within experiments/, the shared modules sit below the two experiments.
SUBLAYERS: dict[str, int] = {
    "response": 0,
    "existing_limits": 0,
    "miniboone": 1,
    "minerva": 1,
    "setups": 2,
    "user_setup": 3,
}


def _unit(module: str) -> tuple[str, str | None]:
    parts = module.split(".")[1:]
    top = parts[0] if parts else "__init__"
    sub = parts[1] if top == "experiments" and len(parts) > 1 else None
    return top, sub


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        name = ".".join(rel.parts)
        out.append(
            (
                name.removesuffix(".__init__")
                if name.endswith(".__init__") and name != "neutrissimo.__init__"
                else name,
                path,
            )
        )
    return out


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("neutrissimo")]
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("neutrissimo")
        ):
            if node.module == "neutrissimo":
                found += [f"neutrissimo.{a.name}" for a in node.names]
            else:
                found.append(node.module)
    return found


@pytest.mark.parametrize(("module", "path"), _modules(), ids=lambda v: str(v))
def test_module_imports_only_from_its_layer_or_below(module, path):
    top, sub = _unit(module)
    assert top in LAYERS, f"{module}: its top-level unit {top!r} has no layer; add it to LAYERS"
    for imported in _imports(path):
        itop, isub = _unit(imported)
        where = f"{module} imports {imported}"
        assert LAYERS[itop] <= LAYERS[top], f"{where}: a layer above its own"
        if itop != top:
            assert LAYERS[itop] < LAYERS[top], f"{where}: a sibling layer"
        elif top == "experiments" and sub and isub and isub != sub:
            assert SUBLAYERS[isub] < SUBLAYERS[sub], f"{where}: not below it in experiments/"


@pytest.mark.parametrize(("module", "path"), _modules(), ids=lambda v: str(v))
def test_no_module_over_500_lines(module, path):
    assert len(path.read_text().splitlines()) <= 500, module


def test_matplotlib_only_inside_plotting():
    for module, path in _modules():
        if not module.startswith("neutrissimo.plotting"):
            text = path.read_text()
            assert "import matplotlib" not in text, module
            assert "from matplotlib" not in text, module
    for _, path in _modules():
        assert "matplotlib.use(" not in path.read_text(), path


@pytest.mark.parametrize(("module", "path"), _modules(), ids=lambda v: str(v))
def test_every_module_declares_all(module, path):
    if path.name == "__main__.py":
        return
    tree = ast.parse(path.read_text())
    names = {
        t.id
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(t, ast.Name)
    }
    assert "__all__" in names, f"{module} has no __all__"


#: import name -> distribution name, for third-party imports whose names differ.
_DISTRIBUTIONS = {"dask": "dask", "distributed": "dask"}


def test_declared_dependencies_are_exactly_those_imported():
    import sys
    import tomllib

    pyproject = tomllib.loads((ROOT.parents[1] / "pyproject.toml").read_text())
    optional = pyproject["project"]["optional-dependencies"]
    runtime = pyproject["project"]["dependencies"] + [
        dep for extra, deps in optional.items() if extra not in ("test", "docs") for dep in deps
    ]  # the package's own optional features (extras), not the test and docs tools
    declared = {re.split(r"[\[<>=!~; ]", dep, maxsplit=1)[0].lower() for dep in runtime}
    imported = set()
    for _, path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
    third_party = {
        _DISTRIBUTIONS.get(name, name).replace("_", "-").lower()
        for name in imported
        if name not in sys.stdlib_module_names and name not in ("neutrissimo", "__future__")
    }
    assert third_party == declared
