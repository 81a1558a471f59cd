"""The documentation keeps up with the code (as datasette's tests/test_docs.py does): a CLI
command or option missing from the README, a setting the code reads missing from the
README's configuration table, or a registry metric missing from docs/metrics.md fails here.
(The Definitions page is checked against the registry in tests/ui/test_definitions_page.py.)
"""

from __future__ import annotations

import argparse
import ast
import re
from itertools import takewhile
from pathlib import Path

import pytest

from cxmetrics.cli import build_parser
from cxmetrics.metrics import definitions
from cxmetrics.metrics.registry import declarations

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
METRICS_DOC = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
SETTING = re.compile(r"CXMETRICS_[A-Z0-9_]+")


def _section(markdown: str, heading: str) -> str:
    """The text under a `## heading` up to the next heading of that level."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert match, f"the README has no `## {heading}` section"
    return match.group(1)


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def _options(parser: argparse.ArgumentParser) -> list[str]:
    """Long options of a parser (the longest spelling of each), without --help."""
    out = []
    for action in parser._actions:
        names = [o for o in action.option_strings if o.startswith("--")]
        if names and "--help" not in names:
            out.append(max(names, key=len))
    return out


COMMANDS = _commands()
COMMAND_OPTIONS = [(name, option) for name, sub in COMMANDS.items() for option in _options(sub)]


def _synopsis(command: str) -> str | None:
    """The README's line for `cxmetrics COMMAND …` in the command-line block, with the
    indented lines that continue it."""
    lines = _section(README, "Command line").splitlines()
    for index, line in enumerate(lines):
        if re.match(rf"cxmetrics {re.escape(command)}(\s|$)", line):
            rest = takewhile(lambda more: more.startswith(" "), lines[index + 1 :])
            return " ".join([line, *rest])
    return None


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_cli_command_is_in_the_readme(command):
    assert _synopsis(command) is not None, (
        f"`cxmetrics {command}` is missing from the README's command-line block: add a line "
        f"`cxmetrics {command} [options…]`"
    )


@pytest.mark.parametrize(("command", "option"), COMMAND_OPTIONS)
def test_every_cli_option_is_in_its_readme_line(command, option):
    line = _synopsis(command) or ""
    assert re.search(rf"{re.escape(option)}\b", line), (
        f"`cxmetrics {command} {option}` is missing from the README line of `{command}`"
    )


@pytest.mark.parametrize("option", _options(build_parser()))
def test_every_global_option_is_in_the_readme(option):
    assert option in _section(README, "Command line"), f"`{option}` is not in the README"


def settings_read_by_the_code() -> set[str]:
    """Every CXMETRICS_* name written as a whole string in the package's code: the
    environment variables it reads (or sets for the server it starts)."""
    found = set()
    for path in (ROOT / "cxmetrics").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            value = node.value if isinstance(node, ast.Constant) else None
            if isinstance(value, str) and SETTING.fullmatch(value):
                found.add(value)
    return found


SETTINGS = sorted(settings_read_by_the_code())


def test_the_settings_scan_finds_the_settings():
    # known readers: config.py (store, limits), cli.py (debug), registry.py (registry file)
    assert {
        "CXMETRICS_DB_URL", "CXMETRICS_MAX_CELLS", "CXMETRICS_DEBUG", "CXMETRICS_REGISTRY",
        "CXMETRICS_HOME", "CXMETRICS_TIMEZONE",
    } <= set(SETTINGS)  # fmt: skip


@pytest.mark.parametrize("setting", SETTINGS)
def test_every_setting_is_in_the_configuration_table(setting):
    table = [
        line for line in _section(README, "Configuration").splitlines() if line.startswith("|")
    ]
    assert any(f"`{setting}`" in line for line in table), (
        f"{setting} is read by the code but is not in the README's configuration table"
    )


@pytest.mark.parametrize("metric_id", list(declarations().metrics))
def test_every_metric_is_in_docs_metrics(metric_id):
    metric = declarations().metrics[metric_id]
    heading = f"### {metric.label.format(t=20)} (`{metric_id}`)"
    assert heading in METRICS_DOC, f"docs/metrics.md has no section `{heading}`"
    section = METRICS_DOC.split(heading, 1)[1].split("\n### ", 1)[0]
    assert definitions._md(metric.formula) in section  # as the Definitions page says it


def test_docs_metrics_is_generated_from_the_registry_in_use():
    generated = definitions.metrics_markdown(declarations())
    assert generated in METRICS_DOC, (
        "docs/metrics.md is out of date with the registry: run "
        "`python -m cxmetrics.metrics.definitions docs/metrics.md`"
    )


def test_docs_metrics_rewrite_replaces_only_the_generated_part():
    document = f"intro\n{definitions.BEGIN}\nold\n{definitions.END}\nafter\n"
    new = definitions.rewrite(document, f"{definitions.BEGIN}\nnew\n{definitions.END}")
    assert new == f"intro\n{definitions.BEGIN}\nnew\n{definitions.END}\nafter\n"
    with pytest.raises(ValueError, match="no generated part"):
        definitions.rewrite("no markers", "x")


def test_readme_links_the_references():
    assert "docs/metrics.md" in README
    assert "CXMETRICS_REGISTRY" in _section(README, "Configuration")


ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
MAP_ROW = re.compile(r"^\| `(cxmetrics/[^`]+\.py)` \| (.+) \|$", re.M)


def _modules() -> dict[str, int]:
    """Every module of the package with its line count; a package's `__init__.py` only when
    it holds more than its docstring."""
    found = {}
    for path in sorted((ROOT / "cxmetrics").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        body = ast.parse(source).body
        if path.name == "__init__.py" and len(body) <= 1:
            continue
        found[path.relative_to(ROOT).as_posix()] = len(source.splitlines())
    return found


def test_the_module_map_lists_every_module_and_nothing_else():
    mapped = dict(MAP_ROW.findall(ARCHITECTURE))
    modules = _modules()
    assert sorted(set(modules) - set(mapped)) == [], "modules missing from docs/architecture.md"
    assert sorted(set(mapped) - set(modules)) == [], "docs/architecture.md lists no such module"


def test_a_long_module_says_why_it_is_one_job():
    mapped = dict(MAP_ROW.findall(ARCHITECTURE))
    long = {path: n for path, n in _modules().items() if n > 600}
    unexplained = [p for p in long if "lines: " not in mapped.get(p, "")]
    assert unexplained == [], f"over 600 lines with no reason in the module map: {unexplained}"
