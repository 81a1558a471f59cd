"""Demo data is labelled while any demo row remains: the banner on every page, the note in
the presentation header and on every slide, the table exports; "Clear demo data" is one
click away on every page; clearing takes every label away. (Kudos cards: tests/test_kudos.py.)
"""

from __future__ import annotations

import csv
import io
from datetime import date

from cxmetrics import ingest
from cxmetrics.demo import build_demo, clear_demo, is_demo_only, is_demo_present
from cxmetrics.export import DEMO_NOTE
from cxmetrics.periods import last_complete_week
from tests.ui.conftest import run_app

TEAM_PAGE = "views/team.py"
RECOGNITION_PAGE = "views/recognition.py"
UPLOAD_PAGE = "views/upload.py"
DEFINITIONS_PAGE = "views/definitions.py"
PAGES = (None, TEAM_PAGE, RECOGNITION_PAGE, UPLOAD_PAGE, DEFINITIONS_PAGE)
SLIDE_NOTE = "demo data (synthetic organisation)"


def real_roster() -> bytes:
    return (
        b"agent_id,agent_name,team_id,team_name,supervisor\n"
        b"R-1,Rita Real,R1,Real team,Sam Lead\n"
        b"R-2,Rob Real,R1,Real team,Sam Lead\n"
    )


def real_contacts() -> bytes:
    """Two real contacts in the last complete week: the week still has data without demo."""
    day = last_complete_week().start.isoformat()
    return (
        "interaction_id,started_at,channel,team_id,agent_id,wait_seconds,handle_seconds,"
        f"abandoned\nreal-1,{day} 09:00,phone,R1,R-1,5,300,no\n"
        f"real-2,{day} 10:00,phone,R1,R-2,8,240,no\n"
    ).encode()


def real_kpis() -> bytes:
    day = last_complete_week().start.isoformat()
    return f"date,metric_id,team_id,value\n{day},real_sales,R1,4.5\n".encode()


def test_demo_is_present_while_any_demo_row_remains(store):
    assert not is_demo_present(store)
    build_demo(store, agents=12, weeks=2, end=date(2026, 3, 29))
    assert is_demo_present(store) and is_demo_only(store)
    report = ingest.load_batch(store, "roster", real_roster(), filename="real.csv")
    assert report.status == "committed" and report.loaded == 2
    # one real file beside the demo: no longer demo only, but the demo is still there
    assert not is_demo_only(store)
    assert is_demo_present(store)
    clear_demo(store)
    assert not is_demo_present(store)


def _banner(at) -> list[str]:
    return [i.value for i in at.info if "Demo data" in i.value]


def _has_clear_button(at) -> bool:
    return any(b.key == "demo_clear" for b in at.button)


def _note(at) -> bool:
    return any("**Demo data**" in c.value for c in at.caption)


def _glance_csv(at, captured: dict[str, bytes]) -> list[list[str]]:
    [button] = [b for b in at.download_button if b.key == "glance-csv"]
    return list(csv.reader(io.StringIO(captured[button.proto.url].decode("utf-8-sig"))))


def test_labels_stay_beside_a_real_upload_and_go_with_clear_demo(app_db, captured_downloads):
    at = run_app()  # builds the demo on the empty store
    assert not at.exception, at.exception
    from cxmetrics.ui import data

    store = data.get_store()
    files = (("roster", real_roster()), ("kpis", real_kpis()), ("interactions", real_contacts()))
    for kind, content in files:
        report = ingest.load_batch(store, kind, content, filename=f"real-{kind}.csv")
        assert report.status == "committed" and report.loaded > 0, report.to_dict()

    # every page: the banner (saying real uploads are mixed in) and the clear button
    for page in PAGES:
        at = run_app(page=page)
        assert not at.exception, (page, at.exception)
        banner = _banner(at)
        assert banner, f"{page or 'all-hands'}: no demo banner beside a real upload"
        assert "your own uploads" in banner[0]
        assert _has_clear_button(at), page
    # presentation: the header note and the footer of every slide, and the clear button
    at = run_app({"present": "true"})
    count = 0
    while True:
        count += 1
        assert not at.exception, at.exception
        header = [c.value for c in at.caption if c.value.startswith(f"{count} / ")]
        assert header and SLIDE_NOTE in header[0], f"slide {count}: {header}"
        assert _note(at), f"slide {count}: no demo footer"
        assert _has_clear_button(at)
        if at.button(key="slide-next").disabled:
            break
        at.button(key="slide-next").click().run()
    for page in (TEAM_PAGE, RECOGNITION_PAGE, DEFINITIONS_PAGE):
        at = run_app({"present": "true"}, page=page)
        assert not at.exception, (page, at.exception)
        assert _note(at) and _has_clear_button(at), f"{page} in presentation mode"
    # exports: the note on every row
    at = run_app()
    rows = _glance_csv(at, captured_downloads)
    assert rows[0][0] == "Note" and {row[0] for row in rows[1:]} == {DEMO_NOTE}
    assert "Real team" in {row[1] for row in rows[1:]}

    # one click (and a confirmation) clears it; every label goes
    at.button(key="demo_clear").click().run()
    assert at.button(key="demo_clear_confirm")
    assert _banner(at)  # nothing happens before confirming
    at.button(key="demo_clear_confirm").click().run()
    assert not at.exception, at.exception
    assert not _banner(at) and not _has_clear_button(at)
    assert any("Demo data cleared" in s.value for s in at.success)
    assert not is_demo_present(store)
    rows = _glance_csv(at, captured_downloads)
    assert rows[0][0] == "Team" and [row[0] for row in rows[1:]] == ["Real team"]
    for page in PAGES:
        at = run_app(page=page)
        assert not at.exception, (page, at.exception)
        assert not _banner(at) and not _has_clear_button(at), page
    at = run_app({"present": "true"})
    assert not any(SLIDE_NOTE in c.value for c in at.caption) and not _note(at)
    store.close()
