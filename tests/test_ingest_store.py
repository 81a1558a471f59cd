"""Ingest keeps its SQL in the store: the names the store's ingest statements may write into
SQL agree with the schema and with the kinds' specs, anything else is refused, no ingest
module (nor org.py) holds SQL text, and the ingest modules import each other without a
cycle."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import text

from cxmetrics.ingest.plan import AGENT_FIELDS, TEAM_FIELDS
from cxmetrics.ingest.specs import SPECS
from cxmetrics.store import facts
from cxmetrics.store.roster import ROSTER_FIELDS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cxmetrics"
SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|WITH|DROP)\b")


def _columns(store, table: str) -> list[str]:
    rows = store.rows(
        "SELECT column_name FROM information_schema.columns WHERE table_name = :t "
        "AND table_schema = current_schema() ORDER BY ordinal_position",
        {"t": table},
    )
    return [name for (name,) in rows if name != "batch_id"]


def test_the_fact_columns_are_the_schemas_and_the_specs(store):
    for table, columns in facts.FACT_COLUMNS.items():
        assert sorted(columns) == sorted(_columns(store, table)), table
    loaded = {spec.table: spec.names for spec in SPECS.values() if spec.table}
    assert loaded == {table: list(columns) for table, columns in facts.FACT_COLUMNS.items()}


def test_the_roster_fields_are_the_schemas(store):
    for table, (key, fields) in ROSTER_FIELDS.items():
        assert sorted([key, *fields]) == sorted(_columns(store, table)), table
    assert (ROSTER_FIELDS["agents"][1], ROSTER_FIELDS["teams"][1]) == (AGENT_FIELDS, TEAM_FIELDS)


def test_a_name_outside_the_fact_tables_is_refused(store):
    rows = pa.table({"agent_id": ["0101"], "cx_loaded": [True]})
    with store.transaction() as conn:
        with pytest.raises(ValueError, match="`agents` is not a name"):
            facts.insert_rows(conn, "agents", ["agent_id"], rows, "b1")
        with pytest.raises(ValueError, match="`name; DROP TABLE teams` is not a name"):
            facts.insert_rows(conn, "kpi_values", ["name; DROP TABLE teams"], rows, "b1")
        keys = pa.table({"nps": [1], "row_pos": [0], "ok": [True]})
        with pytest.raises(ValueError, match="`nps` is not a name"):
            facts.duplicate_keys(conn, "interactions", ["nps"], [], keys, demo_batch="demo")
        assert conn.execute(text("SELECT count(*) FROM teams")).scalar_one() == 0


def _strings(path: Path) -> list[tuple[int, str]]:
    """Every string literal of a module (f-string parts included), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in docstrings
    ]  # fmt: skip


def test_ingest_and_org_hold_no_sql():
    modules = [*sorted((PACKAGE / "ingest").glob("*.py")), PACKAGE / "org.py"]
    found = [
        f"{path.relative_to(ROOT)}:{line}: {value[:60]!r}"
        for path in modules
        for line, value in _strings(path)
        if SQL_WORDS.search(value)
    ]
    assert found == []


def test_the_sql_check_finds_sql():
    # The check above would fail on the statements the store holds.
    assert any(SQL_WORDS.search(value) for _, value in _strings(PACKAGE / "store" / "facts.py"))


def _imports(path: Path) -> set[str]:
    """cxmetrics.ingest modules a module imports, at its top or inside a function (those under
    `if TYPE_CHECKING:` are for annotations only and never run)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    checking = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    out = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or id(node) in checking or not node.module:
            continue
        if node.module == "cxmetrics.ingest":
            out |= {f"cxmetrics.ingest.{alias.name}" for alias in node.names}
        elif node.module.startswith("cxmetrics.ingest."):
            out.add(node.module)
    return out


def _cycle(folder: Path) -> str | None:
    """The first import cycle among the modules of an ingest folder, else None."""
    graph = {
        f"cxmetrics.ingest.{path.stem}": _imports(path)
        for path in folder.glob("*.py")
        if path.stem != "__init__"
    }
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> str | None:
        if module in path:
            return " -> ".join((*path[path.index(module) :], module))
        if module in done:
            return None
        for imported in sorted(graph.get(module, ())):
            if found := visit(imported, (*path, module)):
                return found
        done.add(module)
        return None

    return next((found for module in sorted(graph) if (found := visit(module, ()))), None)


def test_the_ingest_modules_import_each_other_without_a_cycle(tmp_path):
    assert _cycle(PACKAGE / "ingest") is None
    # The check finds a cycle made inside a function (as canonical.py and layouts.py once
    # had): two modules that import each other.
    (tmp_path / "specs.py").write_text("from cxmetrics.ingest.layouts import Layout\n")
    (tmp_path / "layouts.py").write_text(
        "def detect():\n    from cxmetrics.ingest.specs import KindSpec\n"
    )
    assert _cycle(tmp_path) in (
        "cxmetrics.ingest.layouts -> cxmetrics.ingest.specs -> cxmetrics.ingest.layouts",
        "cxmetrics.ingest.specs -> cxmetrics.ingest.layouts -> cxmetrics.ingest.specs",
    )
