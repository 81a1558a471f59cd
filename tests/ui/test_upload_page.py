"""The Upload page (AppTest): kind → file → mapping → dry run → load → history → undo,
rejected rows as a formula-safe CSV, unreadable files, clearing the demo.

The app holds the DuckDB file open in this process, so the tests read the store through
`data.get_store()` (the app's own cached store), never by opening the file again.
"""

from __future__ import annotations

import csv
import io

import pytest
from streamlit.testing.v1 import AppTest

from cxmetrics import ingest
from tests.fixtures.known_answer import SURVEYS, write_csvs
from tests.ui.conftest import live_markup, run_app

UPLOAD_PAGE = "views/upload.py"
XSS = "<img src=x onerror=alert(1)>"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(autouse=True)
def _close_the_apps_store(app_db):
    yield
    from cxmetrics.ui import data

    data.get_store().close()  # the store this test's app opened (same process)


def store():
    from cxmetrics.ui import data

    return data.get_store()


def open_upload_page() -> AppTest:
    at = run_app(page=UPLOAD_PAGE)
    assert not at.exception, at.exception
    assert at.title[0].value == "Upload data"
    return at


def upload(at: AppTest, name: str, content: bytes, kind: str | None = None) -> AppTest:
    if kind is not None:
        at.segmented_control(key="upload_kind").set_value(kind).run()
        assert not at.exception, at.exception
    at.file_uploader(key="upload_file").set_value((name, content, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def batch_rows() -> list[dict]:
    return ingest.list_batches(store()).to_dict("records")


def user_batches() -> list[dict]:
    return [b for b in batch_rows() if b["batch_id"] != "demo"]


def frame_with(at: AppTest, column: str):
    """The first table on the page with `column` (plain st.dataframe elements carry no key)."""
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    assert frames, f"no table with a {column!r} column"
    return frames[0]


def history(at: AppTest):
    return frame_with(at, "SHA-256")


def batch_picker(at: AppTest):
    [picker] = [s for s in at.selectbox if s.label == "Batch"]
    return picker


# ----------------------------------------------------------------------------- rendering


def test_upload_page_on_the_demo_store(app_db):
    at = open_upload_page()
    assert any("Demo data" in i.value for i in at.info)
    assert at.button(key="demo_clear")
    assert at.segmented_control(key="upload_kind").value == "surveys"
    assert at.file_uploader(key="upload_file").allowed_type == [".csv", ".gz", ".xlsx", ".txt"]
    assert any("100 MB" in c.value for c in at.caption), "the size limit is not said"
    assert at.download_button(key="sample_download")
    table = history(at)
    assert list(table["Batch"]) == ["demo"]
    assert list(table["Status"]) == ["committed"]
    # every kind explains itself and offers its sample
    for kind in ("roster", "interactions", "adherence", "targets", "kpis"):
        at.segmented_control(key="upload_kind").set_value(kind).run()
        assert not at.exception
        assert at.download_button(key="sample_download").label == f"Sample {kind}.csv"
    assert not [b for b in at.button if b.key == "upload_dry_run"]  # no file, no buttons


def test_upload_page_on_an_empty_store(empty_db):
    at = open_upload_page()
    assert not any("Demo data" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == "demo_clear"]
    assert list(history(at)["Status"]) == ["undone"]


# ----------------------------------------------------------------------------- the flow


def test_dry_run_then_load_then_undo(empty_db, tmp_path):
    content = write_csvs(tmp_path)["surveys"].read_bytes()
    at = open_upload_page()
    at.text_input(key="uploaded_by").input("Ana Analyst").run()
    upload(at, "surveys.csv", content, kind="surveys")
    found = metrics(at)
    assert found["Layout"] == "canonical columns"
    assert found["Delimiter"] == "comma"
    assert found["Rows (estimate)"] == str(len(SURVEYS))
    editor = at.data_editor[0].value
    assert list(editor.columns) == ["Column", "Required", "From your file"]
    assert editor.set_index("Column").loc["responded_at", "Required"]
    assert editor.set_index("Column").loc["nps", "From your file"] == "nps"
    preview = frame_with(at, "responded_at")
    assert len(preview) == 20
    assert list(preview["response_id"][:2]) == ["r01", "r02"]

    # dry run: the report, and nothing written
    click(at, "upload_dry_run")
    report = metrics(at)
    assert report["Rows in the file"] == str(len(SURVEYS))
    assert report["Would load"] == str(len(SURVEYS))
    assert report["Would reject"] == "0"
    assert any("nothing was written" in i.value for i in at.info)
    assert at.text and any("A9" in t.value for t in at.text), "unknown agent ids not listed"
    assert user_batches() == []
    assert store().scalar("SELECT count(*) FROM survey_responses") == 0

    # load: committed, listed, counted; the name is remembered
    click(at, "upload_load")
    [batch] = user_batches()
    assert batch["status"] == "committed"
    assert batch["loaded"] == len(SURVEYS)
    assert batch["uploaded_by"] == "Ana Analyst"
    assert batch["filename"] == "surveys.csv"
    assert store().scalar("SELECT count(*) FROM survey_responses") == len(SURVEYS)
    assert any(batch["batch_id"] in s.value for s in at.success)
    assert metrics(at)["Loaded"] == str(len(SURVEYS))
    table = history(at)
    row = table[table["Batch"] == batch["batch_id"]].iloc[0]
    assert row["Loaded"] == len(SURVEYS)
    assert row["SHA-256"] == batch["sha256"][:12]
    assert row["By"] == "Ana Analyst"
    assert batch_picker(at).value == batch["batch_id"]
    assert at.text_input(key="uploaded_by").value == "Ana Analyst"

    # the same file again: already loaded, nothing written
    click(at, "upload_load")
    assert any("Already loaded" in i.value for i in at.info)
    assert len(user_batches()) == 1

    # undo: asks first, then the rows are gone and the batch says undone
    click(at, "batch_undo")
    assert at.button(key="batch_undo_confirm")
    assert store().scalar("SELECT count(*) FROM survey_responses") == len(SURVEYS)
    click(at, "batch_undo_confirm")
    [batch] = user_batches()
    assert batch["status"] == "undone"
    assert store().scalar("SELECT count(*) FROM survey_responses") == 0
    assert any("undid batch" in s.value for s in at.success)
    table = history(at)
    assert table.loc[table["Batch"] == batch["batch_id"], "Status"].item() == "undone"
    assert at.button(key="batch_undo").disabled


def test_undo_can_be_cancelled(empty_db, tmp_path):
    at = open_upload_page()
    upload(at, "surveys.csv", write_csvs(tmp_path)["surveys"].read_bytes(), kind="surveys")
    click(at, "upload_load")
    click(at, "batch_undo")
    click(at, "batch_undo_cancel")
    assert not [b for b in at.button if b.key == "batch_undo_confirm"]
    assert user_batches()[0]["status"] == "committed"


def test_undoing_a_roster_that_later_data_names_warns_in_the_confirm_step(empty_db):
    at = open_upload_page()
    upload(at, "roster.csv", b"agent_id,team_id\nA7,T7\n", kind="roster")
    click(at, "upload_load")
    [roster] = user_batches()
    upload(
        at,
        "interactions.csv",
        b"interaction_id,started_at,agent_id,wait_seconds,handle_seconds,abandoned\n"
        b"g1,2026-11-03 09:00,A7,5,100,false\n",
        kind="interactions",
    )
    click(at, "upload_load")
    batch_picker(at).set_value(roster["batch_id"]).run()
    click(at, "batch_undo")
    warnings = [e.value.replace("\\", "").replace("\u2060", "") for e in at.error]  # inert markdown
    assert any(
        f"later data depends on batch {roster['batch_id']}: 1 row in 1 later batch" in w
        for w in warnings
    ), warnings
    assert at.button(key="batch_undo_confirm")  # the person may still go ahead
    # The later batch itself carries no such warning.
    batch_picker(at).set_value(user_batches()[0]["batch_id"]).run()
    click(at, "batch_undo")
    assert not any("later data depends" in e.value for e in at.error)


def test_rejected_rows_download_is_formula_safe(empty_db, captured_downloads):
    content = (
        "response_id,responded_at,agent_id,nps,csat\n"
        "ok1,2026-11-16 10:00,A1,9,5\n"
        "=2+3,2026-11-16 10:05,A1,11,5\n"  # nps out of range, and a formula first
        '@SUM(A1),2026-11-16 10:06,A1,"=HYPERLINK(""http://x"")",4\n'
        f'x3,2026-11-16 10:07,A1,5,"{XSS}"\n'
    ).encode()
    at = open_upload_page()
    upload(at, "bad.csv", content, kind="surveys")
    click(at, "upload_dry_run")
    assert metrics(at)["Would reject"] == "3"
    reasons = frame_with(at, "Reason")
    assert reasons["Rows"].sum() == 3
    sample = frame_with(at, "Why")
    assert list(sample["Line"]) == [3, 4, 5]
    click(at, "upload_load")
    [batch] = user_batches()
    assert batch["rejected"] == 3
    button = at.download_button(key="rejected_download")
    assert button.label.startswith("Rejected rows (3)")
    payload = captured_downloads[button.proto.url]
    rows = list(csv.reader(io.StringIO(payload.decode("utf-8-sig"))))
    assert "error" in rows[0]
    assert len(rows) == 4
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), f"formula-like cell {cell!r}"
    assert any("2+3" in cell for row in rows[1:] for cell in row), "raw line missing"
    # nothing from the file reached markdown or HTML
    assert not any("onerror" in m.value for m in at.markdown)
    assert not any("onerror" in h.value for h in at.html)


def test_file_content_is_never_markdown(empty_db):
    content = f"response_id,responded_at,nps,**{XSS}**\nr1,2026-11-16 10:00,9,[x](http://e)\n"
    at = open_upload_page()
    upload(at, "x.csv", content.encode(), kind="surveys")
    assert not at.exception
    for element in (*at.markdown, *at.caption, *at.info, *at.warning, *at.error):
        assert not live_markup(element.value), element.value
        assert "http://e" not in element.value
    assert not any("onerror" in h.value for h in at.html)  # st.html holds static CSS only


def test_unreadable_file_says_why_and_stops(empty_db):
    at = open_upload_page()
    upload(at, "broken.xlsx", b"PK\x03\x04 this is not really a workbook", kind="surveys")
    assert len(at.error) == 1
    assert "\n" not in at.error[0].value.strip()
    assert not [b for b in at.button if b.key in ("upload_dry_run", "upload_load")]
    assert user_batches() == []


def test_missing_required_column_blocks_loading(empty_db, tmp_path):
    at = open_upload_page()
    upload(at, "surveys.csv", write_csvs(tmp_path)["surveys"].read_bytes(), kind="surveys")
    editor = at.data_editor[0]
    row = list(editor.value["Column"]).index("responded_at")
    at.session_state[editor.key] = {
        "edited_rows": {row: {"From your file": None}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception, at.exception
    assert any("responded_at" in e.value for e in at.error)
    assert at.button(key="upload_dry_run").disabled
    assert at.button(key="upload_load").disabled


def test_ambiguous_dates_ask_for_the_order(empty_db):
    content = (
        b"response_id,responded_at,agent_id,nps\n"
        b"a1,03/11/2026 10:00,A1,9\n"
        b"a2,04/11/2026 10:05,A1,7\n"
        b"a3,2026-11-16 10:05,A1,10\n"
    )
    at = open_upload_page()
    upload(at, "ambiguous.csv", content, kind="surveys")
    [order] = at.radio
    assert order.value == "auto"
    assert any("ambiguous" in w.value for w in at.warning)  # the library's warning
    click(at, "upload_dry_run")
    assert metrics(at)["Would reject"] == "2"
    order.set_value("dayfirst").run()
    assert not at.exception, at.exception
    assert not any("ambiguous" in w.value for w in at.warning)
    click(at, "upload_dry_run")
    assert metrics(at)["Would load"] == "3"
    click(at, "upload_load")
    assert (
        store().scalar(
            "SELECT count(*) FROM survey_responses WHERE responded_at::DATE = DATE '2026-11-03'"
        )
        == 1
    )  # 03/11 read as 3 November


def test_save_and_pick_a_template(empty_db, tmp_path):
    at = open_upload_page()
    at.text_input(key="uploaded_by").input("Ana Analyst").run()
    upload(at, "surveys.csv", write_csvs(tmp_path)["surveys"].read_bytes(), kind="surveys")
    at.text_input(key="upload_template_name").input("Weekly NPS").run()
    click(at, "upload_template_save")
    assert any("Template saved" in s.value for s in at.success)
    saved = ingest.list_templates(store(), "surveys")
    assert list(saved["name"]) == ["Weekly NPS"]
    assert list(saved["saved_by"]) == ["Ana Analyst"]
    picker = at.selectbox(key="upload_template_surveys")
    assert picker.options[0].startswith("Weekly NPS")
    picker.set_value("Weekly NPS").run()
    assert not at.exception, at.exception
    click(at, "upload_dry_run")
    assert metrics(at)["Would load"] == str(len(SURVEYS))


# ----------------------------------------------------------------------------- demo


def test_clear_demo_data_removes_the_banner(app_db):
    at = open_upload_page()
    assert any("Demo data" in i.value for i in at.info)
    click(at, "demo_clear")
    assert at.button(key="demo_clear_confirm")
    assert any("Demo data" in i.value for i in at.info)  # nothing happens before confirming
    click(at, "demo_clear_confirm")
    assert not any("Demo data" in i.value for i in at.info)
    assert any("Demo data cleared" in s.value for s in at.success)
    assert not [b for b in at.button if b.key == "demo_clear"]
    assert [b["status"] for b in batch_rows()] == ["undone"]
    at.run()
    assert not any("Demo data" in i.value for i in at.info)
    at.switch_page("views/allhands.py").run()
    assert not at.exception
    assert not any("Demo data" in i.value for i in at.info)


# ----------------------------------------------------------------------------- wording


def test_the_page_names_the_ingest_command(empty_db):
    at = open_upload_page()
    captions = "\n".join(c.value for c in at.caption)
    assert "cxmetrics ingest KIND FILE" in captions
    assert "cxmetrics load" not in captions


def test_reasons_and_errors_are_plain_text_without_backticks(empty_db):
    content = (
        b"response_id,responded_at,agent_id,nps\nok1,2026-11-16 10:00,A1,9\nb1,2026-11-16,A1,12\n"
    )
    at = open_upload_page()
    upload(at, "bad.csv", content, kind="surveys")
    click(at, "upload_dry_run")
    reasons = list(frame_with(at, "Reason")["Reason"])
    assert reasons and all("`" not in r for r in reasons), reasons
    assert any('"nps"' in r for r in reasons), reasons  # the file's own column, quoted
    assert all("`" not in why for why in frame_with(at, "Why")["Why"])
    # an unreadable file: the one-line reason, without raw backticks
    upload(at, "broken.xlsx", b"PK\x03\x04 this is not really a workbook", kind="surveys")
    [error] = at.error
    assert "`" not in error.value, error.value


def test_things_to_know_are_inside_their_box(empty_db):
    content = b"response_id,responded_at,agent_id,nps\na1,03/11/2026 10:00,A1,9\n"
    at = open_upload_page()
    upload(at, "ambiguous.csv", content, kind="surveys")
    [box] = [w for w in at.warning if "to know before loading" in w.value]
    title, _, bullets = box.value.partition("\n\n")
    assert "thing to know before loading" in title
    assert bullets.startswith("- ") and "ambiguous" in bullets
    assert not any("ambiguous" in t.value for t in at.text)  # nothing left outside the box


def test_after_undo_the_batch_picker_says_undone(empty_db, tmp_path):
    at = open_upload_page()
    upload(at, "surveys.csv", write_csvs(tmp_path)["surveys"].read_bytes(), kind="surveys")
    click(at, "upload_load")
    [batch] = user_batches()
    assert batch_picker(at).value == batch["batch_id"]
    assert batch_picker(at).options[0].endswith("· committed")
    click(at, "batch_undo")
    click(at, "batch_undo_confirm")
    picker = batch_picker(at)
    assert picker.value == batch["batch_id"]  # the pick is kept
    assert picker.options[0].endswith("· undone")


def test_the_report_lists_duplicates_by_line_and_names_the_time_zone(empty_db):
    content = (
        b"response_id,responded_at,agent_id,nps\n"
        b"a1,2026-11-16 10:00,A1,9\n"
        b"a2,2026-11-16 11:00,A1,7\n"
        b"a1,2026-11-16 10:00,A1,9\n"
    )
    at = open_upload_page()
    upload(at, "dups.csv", content, kind="surveys")
    click(at, "upload_dry_run")
    dups = frame_with(at, "Why")
    assert dups.values.tolist() == [[4, 'same "response_id" as line 2']]
    assert any("read as UTC time" in c.value for c in at.caption)
