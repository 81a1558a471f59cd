"""The app starts on an empty store, fills it with the demo and shows engine numbers."""

from __future__ import annotations

from cxmetrics.formatting import format_value
from cxmetrics.metrics.engine import scorecard
from cxmetrics.periods import last_complete_week
from cxmetrics.store import open_store
from tests.ui.conftest import run_app
from tests.ui.tiles import tiles


def test_app_starts_builds_demo_and_shows_the_org_scorecard(app_db):
    at = run_app()
    assert not at.exception
    assert at.session_state["period"] == last_complete_week().label
    assert at.query_params["period"] == last_complete_week().label
    shown = {t.label: t.value for t in tiles(at)}
    from cxmetrics.ui import data  # the app's cached store, opened in this process

    card = scorecard(data.get_store(), last_complete_week()).by_id()
    for metric_id, label in [("nps", "Net Promoter Score"), ("fcr", "First-contact resolution")]:
        assert shown[label] == format_value(card[metric_id].value, card[metric_id].unit)
    assert open_store(app_db).scalar("SELECT count(*) FROM upload_batches") == 1


def test_period_and_grain_come_from_the_url(known_db):
    at = run_app({"period": "2026-11"})
    assert not at.exception
    assert at.session_state["grain"] == "month"
    assert at.session_state["period"] == "2026-11"
    assert at.query_params["period"] == "2026-11"
    bad = run_app({"period": "not-a-period"})
    assert not bad.exception and bad.session_state["grain"] == "week"


def test_a_write_from_elsewhere_shows_on_the_next_rerun_without_clearing_caches(known_db):
    """Cached reads are keyed by the store's data version: a load through another Store
    (as the CLI would make, in another process) is on the page at the next rerun."""
    at = run_app({"period": "2026-W45"})
    shown = {t.label: t.value for t in tiles(at)}
    assert shown["Survey responses"] == "22"  # the hand-worked fixture: 22 answers in W45
    other = open_store(known_db)  # a second store object: nothing shared with the app's
    rows = ["response_id,responded_at,nps"] + [f"new{i},2026-11-03 10:00,10" for i in range(5)]
    from cxmetrics.ingest import load_batch

    assert load_batch(other, "surveys", "\n".join(rows).encode()).loaded == 5
    other.close()
    at.run()
    shown = {t.label: t.value for t in tiles(at)}
    assert shown["Survey responses"] == "27"
