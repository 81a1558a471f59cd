"""The add-a-metric experiment: one [[metric]] entry in a copy of the registry (named by
CXMETRICS_REGISTRY), built from sums the rollups already keep, and the metric shows on the
all-hands card (tile, slide, teams at a glance), the team page, the Definitions page and
in `cxmetrics scorecard`, with its known answer, and no other edit."""

from __future__ import annotations

import json

import pytest

from cxmetrics.cli import main
from cxmetrics.metrics import registry
from cxmetrics.metrics.engine import scorecard
from cxmetrics.periods import parse_period
from cxmetrics.store import open_store
from tests.ui.conftest import run_app
from tests.ui.tiles import tiles

NEW_METRIC = """
[[metric]]
id = "promoter_share"
label = "Promoter share"
short_label = "Promoters"
section = "customer"
order = 6
views = ["glance", "team_tiles"]
kind = "proportion"
numerator = "surveys.promoters"
denominator = "surveys.nps_n"
unit = "%"
direction = "higher"
target = 50
min_n = 10
description = "Share of customers with an NPS answer who are promoters (9 or 10)."
formula = "promoters 9–10 ÷ customer responses with an NPS answer"
source = "survey responses from customers"
"""
# Hand-worked from tests/fixtures/known_answer.py, week 2026-W45 (see test_metrics_known.py):
# org: 17 customer NPS answers, promoters r01 r02 r03 r08 r09 r12 r13 r14 r15 r22 = 10
#   -> 10 / 17 = 58.8235 % ("58.8 %"), n 17 >= min_n 10, target 50 met -> on target.
# team T1: 11 NPS answers, 5 promoters -> 5 / 11 = 45.4545 % ("45.5 %"): 4.5 pp short of
#   50, within the default 5 pp tolerance -> near target.
ORG_SHARE, ORG_N = 100 * 10 / 17, 17
T1_SHARE = 100 * 5 / 11


@pytest.fixture
def extended_registry(tmp_path, monkeypatch):
    """A copy of the packaged registry with one more metric, in use for this test."""
    path = tmp_path / "registry.toml"
    path.write_text(
        registry.PACKAGED_REGISTRY.read_text(encoding="utf-8") + NEW_METRIC, encoding="utf-8"
    )
    monkeypatch.setenv("CXMETRICS_REGISTRY", str(path))
    registry.reset()
    yield path
    monkeypatch.delenv("CXMETRICS_REGISTRY")
    registry.reset()


def test_the_new_metric_has_its_known_answer(extended_registry, known_db):
    assert "promoter_share" in registry.default_registry()
    store = open_store(known_db)
    try:
        org = scorecard(store, parse_period("2026-W45")).by_id()["promoter_share"]
        team = scorecard(store, parse_period("2026-W45"), team="T1").by_id()["promoter_share"]
    finally:
        store.close()
    assert org.value == pytest.approx(ORG_SHARE) and org.n == ORG_N
    assert org.status == "green"
    assert team.value == pytest.approx(T1_SHARE) and team.n == 11
    assert team.status == "amber"


def test_the_new_metric_shows_on_the_all_hands_card(extended_registry, known_db):
    at = run_app({"period": "2026-W45"})
    assert not at.exception
    shown = {t.label: t.value for t in tiles(at)}
    assert shown["Promoter share"] == "58.8 %"
    glance = next(d.value for d in at.dataframe if "Team" in d.value.columns)
    t1 = glance.set_index("Team").loc["Customer Care"]
    cell = t1["Promoter share"]  # value · status · change · n (5 promoters of 11 answers)
    assert cell.startswith("45.5 % · ▲ near target · ") and cell.endswith(" · n 11")
    presenting = run_app({"period": "2026-W45", "present": "true", "slide": "2"})
    assert [h.value for h in presenting.subheader] == ["What customers feel and how we serve"]
    assert "Promoter share" in {t.label for t in tiles(presenting)}


def test_the_new_metric_shows_on_the_team_page(extended_registry, known_db):
    at = run_app({"period": "2026-W45", "team": "T1"}, page="views/team.py")
    assert not at.exception
    shown = {t.label: t.value for t in tiles(at)}
    assert shown["Promoter share"] == "45.5 %"
    table = next(d.value for d in at.dataframe if "Org value" in d.value.columns)
    row = table.set_index("Metric").loc["Promoter share"]
    assert (row["Team value"], row["Org value"], row["n"]) == ("45.5 %", "58.8 %", 11)


def test_the_new_metric_is_defined_on_the_definitions_page(extended_registry, app_db):
    at = run_app(page="views/definitions.py")
    assert not at.exception
    assert "Promoter share" in [s.value for s in at.subheader]
    assert "Share of customers with an NPS answer who are promoters (9 or 10)." in [
        t.value for t in at.text
    ]
    markdown = " ".join(m.value for m in at.markdown).replace("\\", "").replace("\u2060", "")
    assert "promoters 9–10 ÷ customer responses with an NPS answer" in markdown
    assert "on target at 50.0 % or more · near target from 45.0 %" in markdown


def test_the_new_metric_is_in_the_command_line_scorecard(extended_registry, known_db, capsys):
    from cxmetrics.ui import data

    data.get_store.clear()  # the app's store is not open in this test; the CLI opens it
    assert main(["--db", known_db, "scorecard", "--period", "2026-W45", "--json"]) == 0
    card = json.loads(capsys.readouterr().out)
    line = next(m for m in card["metrics"] if m["id"] == "promoter_share")
    assert line["value"] == pytest.approx(ORG_SHARE, abs=1e-4) and line["n"] == ORG_N
    assert main(["--db", known_db, "scorecard", "--period", "2026-W45"]) == 0
    assert "Promoter share" in capsys.readouterr().out
