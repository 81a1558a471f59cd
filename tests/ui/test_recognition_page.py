"""The recognition page (AppTest): demo store, empty store, the thank-you loop, untrusted text."""

from __future__ import annotations

from sqlalchemy import text

from cxmetrics.store import open_store, rollups
from tests.ui.conftest import run_app

PAGE = "views/recognition.py"
XSS = "<img src=x onerror=alert(1)>"


def all_markdown(at) -> str:
    """Everything the page sent through markdown (titles, captions, markdown, alerts)."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [t.value for t in at.title] + [s.value for s in at.subheader]
    parts += (
        [i.value for i in at.info] + [e.value for e in at.error] + [s.value for s in at.success]
    )
    return "\n".join(parts)


def texts(at) -> list[str]:
    return [t.value for t in at.text]


def close_app_store() -> None:
    from cxmetrics.ui import data

    data.get_store().close()


def test_renders_on_the_demo_store(app_db):
    at = run_app(page=PAGE)
    assert not at.exception, at.exception
    assert at.title[0].value.startswith("Recognition · ")
    assert [s.value for s in at.subheader] == ["Service stars", "Most improved", "Praise inbox"]
    assert any("Demo data" in i.value for i in at.info)
    # A week is too short for 20 answers per agent in the demo: the page offers the month.
    assert any("stars need a longer period" in i.value for i in at.info)
    options = at.segmented_control(key="praise_view").options
    assert options[0].startswith("New (") and options[0] != "New (0)"
    at.button(key="stars-month").click().run()
    assert not at.exception, at.exception
    assert at.session_state["grain"] == "month"
    assert at.title[0].value == f"Recognition · {at.session_state['period']}"
    stars = [m for m in at.metric if m.label in ("NPS", "iNPS")]
    assert len(stars) >= 5  # five stars (and the most improved team)
    assert any(t.startswith("“") for t in texts(at))  # the stars' best praise
    at.selectbox(key="recognition_team").set_value("T01").run()
    assert not at.exception, at.exception
    close_app_store()


def test_renders_on_an_empty_store(empty_db):
    at = run_app(page=PAGE)
    assert not at.exception, at.exception
    assert at.title[0].value.startswith("Recognition · ")
    assert not any("Demo data" in i.value for i in at.info)
    assert any("No agent has" in i.value for i in at.info)
    assert at.segmented_control(key="praise_view").options == ["New (0)", "Thanked (0)"]
    assert any("No new praise" in m.value for m in at.markdown)
    close_app_store()


def _first_form(at) -> str:
    keys = [t.key for t in at.text_input if t.key and t.key.endswith("-who")]
    assert keys, "no praise item with a thank-you form"
    return keys[0].removesuffix("-who")


def test_marking_thanked_moves_praise_from_new_to_thanked(app_db):
    at = run_app(page=PAGE)
    assert not at.exception, at.exception
    before = at.segmented_control(key="praise_view").options
    new_count = int(before[0].removeprefix("New (").removesuffix(")"))
    form = _first_form(at)
    from cxmetrics.ui import data

    praise = data.recognition_praise(at.session_state["period"], None)
    comment = praise[~praise["thanked"]].iloc[0]["comment"]
    assert comment in texts(at)
    at.text_input(key=f"{form}-who").input("Dana Supervisor")
    at.text_input(key=f"{form}-note").input("Card on her desk")
    at.button(key=f"{form}-submit").click().run()
    assert not at.exception, at.exception
    after = at.segmented_control(key="praise_view").options
    assert after == [f"New ({new_count - 1:,})", "Thanked (1)"]
    assert any("Marked as thanked" in s.value for s in at.success)
    rows = data.get_store().rows("SELECT thanked_by, note FROM recognitions")
    assert [tuple(r) for r in rows] == [("Dana Supervisor", "Card on her desk")]

    at.run()  # a plain rerun: still thanked
    assert at.segmented_control(key="praise_view").options == after
    at.segmented_control(key="praise_view").set_value("thanked").run()
    assert not at.exception, at.exception
    assert comment in texts(at)
    assert any("Thanked by Dana Supervisor" in c.value for c in at.caption)

    # And back again.
    at.button(key="unthank-0").click().run()
    assert at.segmented_control(key="praise_view").options == [
        f"New ({new_count:,})",
        "Thanked (0)",
    ]
    close_app_store()


def test_thanking_needs_a_name(app_db):
    at = run_app(page=PAGE)
    form = _first_form(at)
    at.button(key=f"{form}-submit").click().run()
    assert not at.exception, at.exception
    assert any("who thanked" in e.value for e in at.error)
    assert at.segmented_control(key="praise_view").options[1] == "Thanked (0)"
    close_app_store()


def test_comments_are_plain_text_and_redacted(known_db):
    store = open_store(known_db)
    with store.transaction() as conn:
        conn.execute(
            text(
                "INSERT INTO survey_responses (response_id, responded_at, respondent_type, "
                "agent_id, nps, comment, batch_id) VALUES ('x1', '2026-11-05 10:00:00', "
                "'customer', 'A2', 10, :c, 'fixture')"
            ),
            {"c": f"Ben was brilliant {XSS} call me on 07700 900123"},
        )
        rollups.rebuild(conn, store.settings, ("surveys",))
    store.close()
    at = run_app(query={"period": "2026-W45"}, page=PAGE)
    assert not at.exception, at.exception
    shown = [t for t in texts(at) if "Ben was brilliant" in t]
    assert shown == [f"Ben was brilliant {XSS} call me on [phone]"]
    assert XSS not in all_markdown(at)
    assert "07700" not in all_markdown(at) + "\n".join(texts(at))
    close_app_store()


def test_presentation_mode_shows_stars_without_the_inbox(app_db):
    at = run_app(query={"present": "true", "period": "2026-10"}, page=PAGE)
    assert not at.exception, at.exception
    assert not any("Demo data" in i.value for i in at.info)
    assert [s.value for s in at.subheader] == ["Service stars", "Most improved"]
    at.button(key="recognition-present-exit").click().run()
    assert not at.exception, at.exception
    assert "Praise inbox" in [s.value for s in at.subheader]
    close_app_store()


def test_save_closes_the_popover_and_says_who_was_thanked(app_db):
    from cxmetrics.ui import data
    from cxmetrics.ui.components import key_part

    at = run_app(page=PAGE)
    assert not at.exception, at.exception
    form = _first_form(at)
    praise = data.recognition_praise(at.session_state["period"], None)
    new = praise[~praise["thanked"]]
    first, second = new.iloc[0], new.iloc[1]
    opened = f"thank-open-{key_part(first['response_id'])}"
    following = f"thank-open-{key_part(second['response_id'])}"
    # one popover per praise, keyed by its response, not by its place on the page
    assert {opened, following} <= set(at.session_state.keys())
    at.session_state[opened] = True  # the person opened it
    at.run()
    at.text_input(key=f"{form}-who").input("Dana Supervisor")
    at.button(key=f"{form}-submit").click().run()
    assert not at.exception, at.exception
    assert at.session_state[opened] is False  # closed after Save
    assert at.session_state[following] is False  # the next praise, now first, is not open
    [done] = [s.value for s in at.success if "Marked as thanked" in s.value]
    # who was thanked, for which comment: a wrong mark is seen at once
    assert first["name"].split()[0] in done and first["agent_id"] in done
    assert f"{first['responded_at']:%a %d %b %Y}" in done
    close_app_store()
