"""The repository stands on its own: every package the library imports is declared, and no
file refers to documents outside the repository."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE_DOC = re.compile(r"DESIGN(\.md| ?§| ?\\u00a7)")  # § as written, or JSON-escaped


def _declared() -> set[str]:
    """Distribution names the project depends on (core dependencies), normalised."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {re.split(r"[\s\[<>=~!;]", dep, maxsplit=1)[0] for dep in project["dependencies"]}
    return {_normal(name) for name in names}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_top_levels() -> dict[str, str]:
    """Top-level modules the package imports (absolute imports), with a file importing each."""
    found: dict[str, str] = {}
    for path in sorted((ROOT / "cxmetrics").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], path.relative_to(ROOT).as_posix())
    return found


def test_every_third_party_import_of_the_library_is_a_declared_dependency():
    # a module that is neither the standard library nor ours must come from a distribution
    # pyproject.toml declares (numpy and Pillow were once imported but left undeclared)
    distributions = packages_distributions()
    declared = _declared()
    undeclared = []
    for module, where in _imported_top_levels().items():
        if module in sys.stdlib_module_names or module == "cxmetrics":
            continue
        owners = {_normal(d) for d in distributions.get(module, [])}
        if not owners & declared:
            undeclared.append(f"{module} (imported in {where}; from {sorted(owners) or '?'})")
    assert undeclared == [], "imported but not declared in pyproject.toml: " + "; ".join(undeclared)


def test_no_tracked_file_refers_to_the_design_document_outside_the_repository():
    # the product contract lives outside the repository: code and docs refer to docs/ and
    # the README instead
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    texts = [p for p in tracked if p.endswith((".py", ".md", ".toml", ".txt", ".cfg", ".json"))]
    if not texts:  # not a git checkout (an sdist): nothing tracked to check
        return
    hits = [
        path
        for path in texts
        if OUTSIDE_DOC.search((ROOT / path).read_text(encoding="utf-8", errors="replace"))
    ]
    assert hits == [], f"files refer to a document outside the repository: {hits}"
