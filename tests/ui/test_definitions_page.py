"""The definitions page (AppTest) is generated from the registry: every metric, every
description, the statistics and status rules, and the declared business KPIs."""

from __future__ import annotations

from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from cxmetrics.metrics.registry import business_registry, default_registry
from cxmetrics.store import open_store
from tests.ui.conftest import APP

PAGE = "views/definitions.py"


def open_page() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    assert not at.exception
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def unescaped(markdown: str) -> str:
    """Markdown as it reads: without its escapes and invisible word joiners."""
    return markdown.replace("\\", "").replace("\u2060", "")


def test_every_registry_metric_is_defined_on_the_page(app_db):
    at = open_page()
    registry = default_registry()
    headings = [unescaped(s.value) for s in at.subheader]
    texts = [t.value for t in at.text]
    markdown = " ".join(unescaped(m.value) for m in at.markdown)
    for metric in registry.values():
        label = metric.label.format(t=20)
        assert label in headings, metric.id
        assert metric.description in texts, f"{metric.id}: description missing from the page"
        assert unescaped(metric.formula) in markdown, metric.id
        assert unescaped(metric.source) in markdown, metric.id
    assert "Service level (20 s)" in headings  # the threshold filled in
    labels = {m.label.format(t=20) for m in registry.values()}
    assert sum(1 for h in headings if h in labels) == len(registry)


def test_directions_targets_and_maturity_are_stated(app_db):
    at = open_page()
    markdown = unescaped(" ".join(m.value for m in at.markdown))
    assert "Higher is better" in markdown
    assert "Lower is better" in markdown
    assert "No better direction: judged by its distance from the target" in markdown
    assert "Final after 7 days" in markdown  # repeat contacts
    assert "on target within ± 5 pp of 100.0 %" in markdown  # conformance, either way
    assert "adjusted-Wald" in markdown
    assert "Wilson" in markdown
    flat = " ".join(markdown.replace("*", "").split())
    assert "agents are the units" in flat and "Cochran" in flat  # agent-day ratios
    assert "pooled two-proportion (score) test" in flat and "Newcombe 1998" in flat
    assert "not applicable" in flat and "no test" in flat  # queue measures, business KPIs
    assert "near target within ± 10 pp" in flat  # two-sided: amber within twice
    assert "within 20 s (phone, chat, others), 24 h (email)" in flat  # service level
    assert "p < 0.05" in markdown
    assert {h.value for h in at.header} >= {"What customers feel", "How we serve"}
    assert "Adherence is not conformance" in [s.value for s in at.subheader]


def test_business_kpis_are_listed(app_db):
    at = open_page()
    table = at.table[0].value
    declared = business_registry()
    assert set(table["id"]) == set(declared)
    assert set(table["KPI"]) == {k.label for k in declared.values()}


def test_definitions_page_on_an_empty_store_without_demo(app_db):
    store = open_store(app_db)
    with store.transaction() as conn:
        conn.execute(
            text(
                "INSERT INTO upload_batches VALUES ('demo', 'demo', NULL, NULL, NULL, "
                "current_timestamp, 0, 0, 0, 0, 'undone')"
            )
        )
    store.close()
    at = open_page()
    assert not any("Demo data" in i.value for i in at.info)
    assert len([t for t in at.text if t.value]) >= len(default_registry())
