"""Comments for a period and scope, on a real DuckDB store (the known-answer fixture plus a
few hand-placed rows): redaction, segments, order, pagination and team resolution."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import text

from cxmetrics.comments import SEGMENTS, comments, segment_of

W45 = (date(2026, 11, 2), date(2026, 11, 8))
EMAIL_COMMENT = "Ben was brilliant, write to me at jane.doe@example.com"
PHONE_COMMENT = "Call me back on +44 7700 900123 please"

# response_id, responded_at, respondent_type, team_id, agent_id, nps, csat, comment
EXTRA = [
    ("x01", "2026-11-05 09:00:00", "customer", None, "A2", 10, 5, EMAIL_COMMENT),
    # team on the row, no agent, no NPS: placed by CSAT 4 -> passive
    ("x02", "2026-11-06 10:00:00", "customer", "T1", None, None, 4, PHONE_COMMENT),
    ("x03", "2026-11-07 11:00:00", "customer", None, "A3", 8, 4, "Fine"),
    ("x04", "2026-11-04 11:00:00", "customer", None, "A1", None, 2, "   "),  # blank: left out
    ("x05", "2026-11-09 00:00:00", "customer", None, "A1", 10, 5, "next week"),  # W46
    ("x06", "2026-11-02 00:00:00", "customer", None, "A1", 7, None, "first minute"),
    ("x07", "2026-11-08 23:59:59", "customer", None, "A1", 0, 1, "last second"),
    ("x08", "2026-11-06 15:00:00", "colleague", None, "A4", 9, None, "Dev fixed my laptop"),
    ("x09", "2026-11-05 16:00:00", "customer", None, "A9", 6, None, "who am I"),
    # the row's own team wins over the agent's roster team (A1 is in T1)
    ("x10", "2026-11-05 17:00:00", "customer", "T2", "A1", 9, None, "own team wins"),
    ("x11", "2026-11-03 18:00:00", "customer", None, "A1", None, None, "no score at all"),
]
# T1 in W45, newest first: x07, x02, x01, x11, r07, r01, x06
T1_ORDER = ["x07", "x02", "x01", "x11", "r07", "r01", "x06"]


@pytest.fixture
def comment_store(known_store):
    columns = [
        "response_id",
        "responded_at",
        "respondent_type",
        "team_id",
        "agent_id",
        "nps",
        "csat",
        "comment",
    ]
    with known_store.transaction() as conn:
        conn.execute(
            text(
                f"INSERT INTO survey_responses ({', '.join(columns)}, batch_id) "
                f"VALUES ({', '.join(':' + c for c in columns)}, 'extra')"
            ),
            [dict(zip(columns, row, strict=True)) for row in EXTRA],
        )
    return known_store


def ids(frame) -> list[str]:
    return list(frame["response_id"])


def test_team_comments_newest_first_with_the_period_boundaries(comment_store):
    page, total = comments(comment_store, *W45, team="T1")
    assert ids(page) == T1_ORDER
    assert total == len(T1_ORDER)
    assert list(page["responded_at"]) == sorted(page["responded_at"], reverse=True)
    assert "x04" not in ids(page)  # blank comment
    assert "x05" not in ids(page)  # next week
    assert list(page.columns) == [
        "response_id",
        "responded_at",
        "respondent_type",
        "agent_id",
        "agent_name",
        "team_id",
        "nps",
        "csat",
        "segment",
        "comment",
    ]


def test_comments_are_redacted_and_otherwise_kept_verbatim(comment_store):
    page, _ = comments(comment_store, *W45, limit=100)
    by_id = page.set_index("response_id")["comment"]
    assert by_id["x01"] == "Ben was brilliant, write to me at [email]"
    assert by_id["x02"] == "Call me back on [phone] please"
    joined = " ".join(by_id)
    assert "jane.doe" not in joined
    assert "7700" not in joined
    # no HTML escaping in the library: the UI shows it as plain text
    assert by_id["r07"] == "<img src=x onerror=alert(1)>"
    assert by_id["r01"] == "Ana was great"


def test_segments_use_nps_then_csat(comment_store):
    expected = {
        "promoter": ["x01", "r01"],  # NPS 10, 10
        "passive": ["x02", "x06"],  # CSAT 4 without NPS; NPS 7
        "detractor": ["x07", "r07"],  # NPS 0, 3
    }
    for segment in SEGMENTS:
        page, total = comments(comment_store, *W45, team="T1", segment=segment)
        assert ids(page) == expected[segment], segment
        assert total == len(expected[segment])
        assert set(page["segment"]) == {segment}
    page, _ = comments(comment_store, *W45, team="T1")
    for row in page.to_dict("records"):
        nps, csat, segment = (
            None if pd.isna(row[c]) else row[c] for c in ("nps", "csat", "segment")
        )
        assert segment == segment_of(nps, csat), row["response_id"]
    assert pd.isna(page.set_index("response_id").loc["x11", "segment"])  # neither NPS nor CSAT


def test_pagination_limit_offset_and_total(comment_store):
    pages = []
    for offset in range(0, 8, 3):
        page, total = comments(comment_store, *W45, team="T1", limit=3, offset=offset)
        assert total == 7
        pages += ids(page)
    assert pages == T1_ORDER
    page, total = comments(comment_store, *W45, team="T1", limit=3, offset=6)
    assert ids(page) == ["x06"]
    page, total = comments(comment_store, *W45, team="T1", limit=3, offset=30)
    assert page.empty
    assert total == 7


def test_team_of_a_comment_is_its_own_team_else_the_roster_team(comment_store):
    t1, _ = comments(comment_store, *W45, team="T1")
    t2, _ = comments(comment_store, *W45, team="T2")
    t3, _ = comments(comment_store, *W45, team="T3")
    assert "x10" not in ids(t1)
    assert ids(t2) == ["x03", "x10"]
    assert set(t2["team_id"]) == {"T2"}
    assert ids(t3) == ["x08"]
    assert t3.iloc[0]["respondent_type"] == "colleague"
    org, total = comments(comment_store, *W45, limit=100)
    assert total == len(org) == 11  # T1 7 + T2 2 + T3 1 + x09 (agent not in the roster)
    unknown = org.set_index("response_id").loc["x09"]
    assert pd.isna(unknown["team_id"])
    assert pd.isna(unknown["agent_name"])
    assert org.set_index("response_id").loc["r01", "agent_name"] == "Ana Alves"


def test_agent_filter_and_scores(comment_store):
    page, total = comments(comment_store, *W45, agent="A2")
    assert ids(page) == ["x01"]
    assert total == 1
    assert page.iloc[0]["nps"] == 10
    assert str(page["nps"].dtype) == "Int64"


def test_values_are_bound_never_formatted_into_sql(comment_store):
    page, total = comments(comment_store, *W45, team="T1' OR '1'='1")
    assert page.empty
    assert total == 0
    assert comment_store.scalar("SELECT count(*) FROM survey_responses") == 26 + len(EXTRA)


def test_bad_arguments_are_refused(comment_store):
    with pytest.raises(ValueError, match="segment"):
        comments(comment_store, *W45, segment="fans")
    with pytest.raises(ValueError, match="limit"):
        comments(comment_store, *W45, limit=0)
    with pytest.raises(ValueError, match="offset"):
        comments(comment_store, *W45, offset=-1)


def test_empty_store_has_no_comments(store):
    page, total = comments(store, *W45)
    assert page.empty
    assert total == 0
    assert "comment" in page.columns


def test_every_answer_falls_in_the_segment_of_the_scales(store):
    """Every NPS answer (none, 0–10) beside every CSAT answer (none, 1–5): the query and
    `segment_of` both place it by the scales, written out here by hand."""
    by_nps = {**dict.fromkeys(range(0, 7), "detractor"), 7: "passive", 8: "passive"}
    by_nps |= {9: "promoter", 10: "promoter"}
    by_csat = {1: "detractor", 2: "detractor", 3: "detractor", 4: "passive", 5: "promoter"}
    rows, expected = [], {}
    for nps in (None, *range(0, 11)):
        for csat in (None, *range(1, 6)):
            rid = f"g{'-' if nps is None else nps}-{'-' if csat is None else csat}"
            rows.append({"r": rid, "nps": nps, "csat": csat})
            expected[rid] = by_nps[nps] if nps is not None else by_csat.get(csat)
    with store.transaction() as conn:
        conn.execute(
            text(
                "INSERT INTO survey_responses (response_id, responded_at, respondent_type, "
                "team_id, nps, csat, comment, batch_id) VALUES (:r, TIMESTAMP '2026-11-04 "
                "12:00:00', 'customer', 'T1', :nps, :csat, 'a comment', 'grid')"
            ),
            rows,
        )
    page, total = comments(store, *W45, limit=1000)
    assert total == len(rows) == 12 * 6
    got = {
        r["response_id"]: None if pd.isna(r["segment"]) else r["segment"]
        for r in page.to_dict("records")
    }
    assert got == expected
    for row in rows:
        assert segment_of(row["nps"], row["csat"]) == expected[row["r"]], row["r"]
    for segment in SEGMENTS:
        _, count = comments(store, *W45, segment=segment)
        assert count == sum(1 for s in expected.values() if s == segment)
