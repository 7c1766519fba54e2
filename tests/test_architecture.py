"""The code's shape, enforced: imports point one way, and storage owns every SQL statement.

- ``nlp`` is a library: it imports nothing of ours;
- ``data`` never imports ``flows``;
- no import cycles between our modules (imports inside functions and under
  ``TYPE_CHECKING`` count too: a deferred import is still a dependency);
- no SQL statement text outside ``data/`` in the product's and the benchmarks' code
  (statements are written in upper case here, which is what the check looks for).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

PACKAGES = ("flows", "nlp", "data", "bench", "training")
SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+(\w+\s+)?SET|DELETE\s+FROM"
                 r"|CREATE\s+(TABLE|VIEW)|ALTER\s+TABLE|ATTACH\s)", re.DOTALL)


def _modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def _ours(name: str, modules: dict[str, Path]) -> str | None:
    """The module of ours an import names (a package's __init__ for ``from pkg import x``)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(path: Path, module: str, modules: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        else:
            continue
        for name in names:
            target = _ours(name, modules)
            if target and target != module:
                found.add(target)
    # "from flows.stages import ingest" names the module flows.stages.ingest, not the package.
    return {t for t in found if not any(o.startswith(t + ".") and o in found for o in found)}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {m: _imports(p, m, modules) for m, p in modules.items()}


def test_the_graph_sees_our_modules() -> None:
    graph = _graph()
    assert {"flows.run", "flows.stages.themes", "nlp.themes", "data.warehouse"} <= set(graph)
    assert "flows.stages.themes" in graph["flows.run"]
    assert "nlp.theme_identity" in graph["flows.stages.themes"]


def test_nlp_imports_nothing_of_ours() -> None:
    bad = {m: sorted(t for t in deps if not t.startswith("nlp"))
           for m, deps in _graph().items() if m.startswith("nlp")}
    assert {m: d for m, d in bad.items() if d} == {}


def test_data_never_imports_flows() -> None:
    bad = {m: sorted(t for t in deps if t.startswith(("flows", "bench", "training")))
           for m, deps in _graph().items() if m.startswith("data")}
    assert {m: d for m, d in bad.items() if d} == {}


def test_runtime_never_imports_tooling() -> None:
    bad = {m: sorted(t for t in deps if t.startswith(("bench", "training")))
           for m, deps in _graph().items() if m.startswith(("flows", "nlp", "data"))}
    assert {m: d for m, d in bad.items() if d} == {}


def test_no_import_cycles() -> None:
    graph = _graph()
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                cycles.append(path[path.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_a_cycle_would_be_seen(tmp_path: Path) -> None:
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("import b\n")
    b.write_text("def f():\n    from a import x\n")
    modules = {"a": a, "b": b}
    assert _imports(a, "a", modules) == {"b"} and _imports(b, "b", modules) == {"a"}


def _sql_strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and SQL.search(node.value)]


def test_no_sql_outside_data() -> None:
    found = {name: _sql_strings(path) for name, path in _modules().items()
             if not name.startswith("data")}
    assert {k: v for k, v in found.items() if v} == {}
    # The check would catch a statement.
    assert SQL.search("UPDATE topics SET label = ? WHERE topic_id = ?")
    assert SQL.search("SELECT topic_id, label FROM topics")
    assert not SQL.search("Select the themes from the report")
