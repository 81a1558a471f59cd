"""The layering rules of docs/architecture.md, checked on the code itself: SQL only under
cxmetrics/store/, no streamlit in the library, pages never reach the store, no import
cycles."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "cxmetrics"
SQL = re.compile(
    r"\b(SELECT\b.*\bFROM|INSERT INTO|DELETE FROM|UPDATE \w+ SET|CREATE (OR REPLACE )?"
    r"(TABLE|INDEX|MACRO|VIEW)|ALTER TABLE|DROP (TABLE|MACRO|VIEW))\b",
    re.DOTALL,
)


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def strings(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            found.append((node.lineno, text))
    return found


def imports(tree: ast.AST, name: str, *, top_level_only: bool) -> set[str]:
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    out = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative
                base = name.rsplit(".", node.level)[0]
                out.add(f"{base}.{node.module}" if node.module else base)
            elif node.module:
                out.add(node.module)
                out |= {f"{node.module}.{alias.name}" for alias in node.names}
    return out


def test_sql_text_lives_only_under_store():
    offenders = []
    for name, path in modules().items():
        if name.startswith("cxmetrics.store"):
            continue
        docstrings = set()
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef):
                doc = ast.get_docstring(node, clean=False)
                if doc:
                    docstrings.add(doc)
        for line, text in strings(tree):
            if text not in docstrings and SQL.search(text):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {text[:60]!r}")
    assert not offenders, "SQL outside cxmetrics/store/:\n" + "\n".join(offenders)


def test_the_library_never_imports_streamlit_and_pages_never_reach_the_store():
    for name, path in modules().items():
        used = imports(ast.parse(path.read_text()), name, top_level_only=False)
        if not name.startswith("cxmetrics.ui"):
            assert not {u for u in used if u.split(".")[0] == "streamlit"}, name
        if name.startswith("cxmetrics.ui.views"):
            reached = {u for u in used if u.startswith(("cxmetrics.store", "sqlalchemy", "duckdb"))}
            assert not reached, f"{name} reaches the store directly: {reached}"


def test_no_import_cycles_between_modules():
    known = modules()
    graph = {
        name: {
            u for u in imports(ast.parse(path.read_text()), name, top_level_only=True)
            if u in known and u != name
        }
        for name, path in known.items()
    }  # fmt: skip
    # A package's __init__ importing its own submodules is how packages expose their API:
    # only cycles between sibling modules count.
    for name in graph:
        graph[name] = {u for u in graph[name] if not u.startswith(name + ".")}
    cycles, state = [], {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append([*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles: " + "; ".join(" → ".join(c) for c in cycles)
