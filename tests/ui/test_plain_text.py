"""User text is plain text everywhere (AppTest): a hostile organisation (tests/ui/hostile.py)
whose every text field holds an image, KaTeX, a colour directive and HTML is shown on every
page and slide, and nothing that reaches a markdown-rendering element is live markup. The
tables' own CSV exports keep formula-like cells as text. The browser test
(tests/browser/test_hostile.py) checks the same in Chromium, down to the network.
"""

from __future__ import annotations

import csv
import io

import pytest

from cxmetrics.store import open_store
from cxmetrics.ui.components import inert_markdown
from tests.ui import hostile
from tests.ui.conftest import live_markup, run_app

PIXEL = "http://127.0.0.1:9/pixel.png"
TEAM_PAGE = "views/team.py"
RECOGNITION_PAGE = "views/recognition.py"
UPLOAD_PAGE = "views/upload.py"
DEFINITIONS_PAGE = "views/definitions.py"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Every markup construct of hostile.payload(), as it reads when it is live.
PAYLOAD_PIECES = ("![i](", "](http", ":red[", "$x^2$", "<b>", "</b>", "://127.0.0.1")


@pytest.fixture
def hostile_db(app_db):
    """The app's store holding only the hostile organisation (no demo: it is not empty)."""
    store = open_store(app_db)
    loaded = hostile.load(store, PIXEL)
    store.close()
    yield loaded
    from cxmetrics.ui import data

    data.get_store().close()


def markdown_sources(at) -> list[str]:
    """Every string the page hands to an element that renders markdown."""
    parts: list[str] = []
    for group in (
        at.title,
        at.header,
        at.subheader,
        at.markdown,  # also st.badge
        at.caption,
        at.info,
        at.warning,
        at.error,
        at.success,
        at.toast,
    ):
        parts += [element.value for element in group]
    parts += [metric.label for metric in at.metric]
    parts += [button.label for button in (*at.button, *at.download_button)]
    parts += [expander.label for expander in at.expander]
    parts += [option for control in at.segmented_control for option in control.options]
    parts += [option for control in at.radio for option in control.options]
    for table in at.table:  # st.table renders its cells as markdown
        frame = table.value
        parts += [str(cell) for cell in frame.to_numpy().ravel()]
        parts += [str(label) for label in (*frame.index, *frame.columns)]
    return parts


def assert_plain(at, where: str) -> str:
    """No piece of a hostile payload reaches markdown unescaped (the page's own markup, a
    badge or bold, is fine); returns all the page's markdown sources, joined."""
    assert not at.exception, f"{where}: {at.exception}"
    sources = markdown_sources(at)
    live = {
        source: found
        for source in sources
        if (found := [piece for piece in PAYLOAD_PIECES if piece in source])
    }
    assert not live, f"{where}: hostile markup reached markdown unescaped: {live}"
    return "\n".join(sources)


def test_inert_markdown_neutralises_every_construct():
    text = (
        "![t](http://h/p.png) :red[R] $x$ <b>B</b> https://e.example www.e.example a@b.co "
        ":material/home: **s** `c` [l](http://h) &amp; ==h==\nnext line"
    )
    inert = inert_markdown(text)
    assert not live_markup(inert)
    assert "\n" not in inert  # one line
    assert ":material/" not in inert and "@b.co" not in inert  # icon shortcode, autolink
    assert "://" not in inert and "www." not in inert
    # Nothing is lost: without the escapes and word joiners it is the text itself.
    assert inert.replace("\\", "").replace("\u2060", "") == text.replace("\n", " ")


def test_every_page_and_slide_shows_hostile_text_as_plain_text(hostile_db):
    team_one, team_two = hostile_db.team_ids
    at = run_app()
    shown = assert_plain(at, "all-hands")
    # the undeclared KPI is labelled by its (hostile) id, escaped, on a tile
    assert inert_markdown(hostile_db.kpi_ids[0]) in shown
    assert inert_markdown(hostile_db.agent_names[0]) in shown  # a service star

    at = run_app({"present": "true"})
    slides, every_slide = 0, ""
    while True:
        slides += 1
        every_slide += assert_plain(at, f"slide {slides}")
        if at.button(key="slide-next").disabled:
            break
        at.button(key="slide-next").click().run()
    assert slides >= 6
    assert inert_markdown(hostile_db.team_names[0]) in every_slide  # teams at a glance

    for team_id, name in zip(hostile_db.team_ids, hostile_db.team_names, strict=True):
        at = run_app({"team": team_id}, page=TEAM_PAGE)
        shown = assert_plain(at, f"team {name}")
        assert at.selectbox(key="team").value == team_id
        assert inert_markdown(name) in at.title[0].value
    at = run_app({"team": team_one, "present": "true"}, page=TEAM_PAGE)
    assert_plain(at, "team page, presentation")

    at = run_app(page=RECOGNITION_PAGE)
    shown = assert_plain(at, "recognition")
    assert inert_markdown(hostile_db.agent_names[0]) in shown  # most improved table
    assert inert_markdown(hostile_db.team_names[0]) in shown  # most improved team
    at.selectbox(key="recognition_team").set_value(team_two).run()
    assert_plain(at, "recognition, second team")

    at = run_app(page=UPLOAD_PAGE)
    assert_plain(at, "upload")
    at.segmented_control(key="upload_kind").set_value("kpis").run()
    assert_plain(at, "upload, kpis")
    picker = at.selectbox(key="upload_template_kpis")
    assert picker.options[0].startswith(hostile_db.template)  # a selectbox shows plain text

    assert_plain(run_app(page=DEFINITIONS_PAGE), "definitions")


def _csv_rows(payload: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(payload.decode("utf-8-sig"))))


def _downloads(at, captured: dict[str, bytes]) -> dict[str, list[list[str]]]:
    return {
        button.key: _csv_rows(captured[button.proto.url])
        for button in at.download_button
        if button.key and button.key.endswith("-csv")
    }


def test_table_exports_keep_formula_like_cells_as_text(hostile_db, captured_downloads):
    team_two = hostile_db.team_ids[1]
    at = run_app()
    assert not at.exception, at.exception
    downloads = _downloads(at, captured_downloads)
    at = run_app({"team": team_two}, page=TEAM_PAGE)
    assert not at.exception, at.exception
    downloads |= _downloads(at, captured_downloads)
    at = run_app(page=UPLOAD_PAGE)
    assert not at.exception, at.exception
    downloads |= _downloads(at, captured_downloads)
    assert set(downloads) == {"glance-csv", "team-vs-org-csv", "agents-csv", "batches-csv"}

    glance = downloads["glance-csv"]
    assert glance[0][:2] == ["Team", "Supervisor"]  # no demo data: no note column
    teams = {row[0]: row for row in glance[1:]}
    assert f"'{hostile_db.team_names[1]}" in teams  # "=1+1 Team 2 …" kept as text
    assert teams[f"'{hostile_db.team_names[1]}"][1].startswith("'+Sup")
    agents = downloads["agents-csv"]
    assert agents[0][0] == "Agent"
    assert f"'{hostile_db.agent_names[4]}" in [row[0] for row in agents[1:]]  # "@Vera …"
    batches = downloads["batches-csv"]
    header = batches[0]
    files = [row[header.index("File")] for row in batches[1:]]
    assert any(name.startswith("'=kpis") for name in files)
    assert all(row[header.index("By")].startswith("'-") for row in batches[1:])
    for name, rows in downloads.items():
        for row in rows:
            for cell in row:
                assert not cell.startswith(FORMULA_STARTS) or _is_number(cell), (name, cell)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
