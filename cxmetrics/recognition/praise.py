"""Praise: a promoter's comment that reads positive and names an agent of the roster.

A promoter answered NPS 9–10 (or CSAT 5 without NPS); detractor and passive comments are
never read for praise. All comments of a period are folded once, joined into one string and
scanned by one compiled regex of every roster name (`names`); only the matches go through
Python. Names that are ordinary words (Will, Hope, Mark …) need a capitalised mention
mid-sentence, the full name, or a mention that reads like a name (`context`) *and* belongs
to the response's agent or team. The comment must read positive (`lexicon`), with the names
it praises masked out first. Comments leave this module redacted (`privacy`).
"""

from __future__ import annotations

import bisect
import unicodedata
from dataclasses import dataclass
from datetime import date

import pandas as pd

from cxmetrics.privacy import redact_series
from cxmetrics.recognition.context import (
    capitalised,
    in_address,
    reads_as_name,
    sentence_initial,
)
from cxmetrics.recognition.lexicon import positivity
from cxmetrics.recognition.names import ORDINARY_WORD_NAMES, Matcher, fold, lookup_key, matcher
from cxmetrics.recognition.values import none_if_missing
from cxmetrics.store import Store, membership
from cxmetrics.store import comments as comment_window
from cxmetrics.store import recognition as recognition_store

PRAISE_COLUMNS = [
    "response_id",
    "responded_at",
    "agent_id",
    "name",
    "team_id",
    "team_name",
    "response_agent_id",
    "respondent_type",
    "nps",
    "csat",
    "comment",
    "mention",
    "positivity",
    "ambiguous",
    "candidates",
    "thanked",
    "thanked_by",
    "thanked_at",
    "note",
]


def _empty_praise() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in PRAISE_COLUMNS})


def _resolve(
    candidates: tuple[str, ...],
    response_agent: str | None,
    response_team: str | None,
    candidate_teams: tuple[str | None, ...],
) -> tuple[str | None, list[str]]:
    """(agent, who it could be) for a mention: the only candidate, else the response's own
    agent, else the only candidate in the response's team; else (None, the candidates of
    the response's team when there are several there, otherwise all of them).
    `candidate_teams`: each candidate's team on the response's day."""
    if len(candidates) == 1:
        return candidates[0], list(candidates)
    if response_agent in candidates:
        return response_agent, [response_agent]
    same_team = (
        [c for c, t in zip(candidates, candidate_teams, strict=True) if t == response_team]
        if response_team
        else []
    )
    if len(same_team) == 1:
        return same_team[0], same_team
    return None, same_team or list(candidates)


@dataclass
class _Scan:
    """The joined text of a period's promoter comments and every accepted mention in it."""

    original: str  # NFC comments joined by NUL
    folded: str  # fold(original): same length, same positions
    starts: list[int]  # where each comment starts
    found: list[dict]

    def folded_row(self, row: int) -> str:
        end = self.starts[row + 1] - 1 if row + 1 < len(self.starts) else len(self.folded)
        return self.folded[self.starts[row] : end]


def _scan(
    responses: pd.DataFrame, name_matcher: Matcher, history: membership.History, days: list[date]
) -> _Scan:
    """Find every accepted mention: one regex pass over all comments, then a small step per
    match (ordinary-word names, ambiguity, one row per response and agent). Candidates'
    teams are those of the day each response was answered (`days`)."""
    raw = [str(t).replace("\x00", " ") for t in responses["comment"].tolist()]
    original = unicodedata.normalize("NFC", "\x00".join(raw))
    folded = fold(original)
    starts, pos = [], 0
    for text_ in original.split("\x00"):
        starts.append(pos)
        pos += len(text_) + 1
    agents = responses["response_agent_id"].tolist()
    resp_teams = responses["response_team_id"].tolist()
    found: list[dict] = []
    seen: set[tuple[int, str]] = set()
    known_teams: dict[tuple[tuple[str, ...], date], tuple[str | None, ...]] = {}

    def teams_of(candidates: tuple[str, ...], teams) -> tuple[str | None, ...]:
        """Each candidate's team on the day, looked up once per name and day: a common
        first name is mentioned many times a day."""
        looked_up = known_teams.get((candidates, teams.day))
        if looked_up is None:
            looked_up = tuple(teams.get(c) for c in candidates)
            known_teams[candidates, teams.day] = looked_up
        return looked_up

    for m in name_matcher.pattern.finditer(folded):
        key = lookup_key(m.group())
        entry = name_matcher.entries.get(key)
        if entry is None:
            continue
        candidates, full = entry
        start, end = m.span()
        row = bisect.bisect_right(starts, start) - 1
        floor = starts[row]
        if in_address(original, start, end):
            continue  # "anna.b@example.com", "www.will.com"
        ra, rt = none_if_missing(agents[row]), none_if_missing(resp_teams[row])
        teams = history.on(days[row])
        if not full and key in ORDINARY_WORD_NAMES:
            mention = original[start:end]
            if not capitalised(mention) or sentence_initial(original, start, floor):
                ceiling = folded.find("\x00", end)
                ceiling = len(folded) if ceiling < 0 else ceiling
                related = ra in candidates or (rt is not None and rt in teams_of(candidates, teams))
                if not (related and reads_as_name(folded, start, end, floor, ceiling)):
                    continue
        chosen, could_be = _resolve(candidates, ra, rt, teams_of(candidates, teams))
        ident = chosen or "?" + key
        if (row, ident) in seen:
            continue
        seen.add((row, ident))
        found.append(
            {
                "row": row,
                "agent_id": chosen,
                "candidates": could_be,
                "mention": original[start:end],
                "span": (start - floor, end - floor),
            }
        )
    return _Scan(original, folded, starts, found)


def find_praise(store: Store, first: date, last: date, *, team: str | None = None) -> pd.DataFrame:
    """Praise naming an agent in comments answered between `first` and `last` (local dates).

    One row per (response, named agent), newest first. `agent_id` is the agent named (None
    while `ambiguous`: two agents share the name and neither the response's agent nor its
    team tells them apart; `candidates` lists who it could be); `response_agent_id` is the
    agent on the response. With `team`, praise for that team's agents (and ambiguous praise
    that could be theirs). `comment` is redacted; `thanked*` and `note` come from
    `recognitions`. Columns: PRAISE_COLUMNS.
    """
    roster = recognition_store.roster(store)
    names = tuple(
        (r.agent_id, r.name, none_if_missing(r.nickname))
        for r in roster[["agent_id", "name", "nickname"]].itertuples(index=False)
    )
    name_matcher = matcher(names)
    responses = comment_window.promoter_comments(store, first, last)
    if name_matcher is None or responses.empty:
        return _empty_praise()
    ids = roster["agent_id"].tolist()
    agent_names = dict(zip(ids, roster["name"], strict=True))
    history = membership.History.read(store)
    team_rows = recognition_store.teams(store)
    team_names = dict(zip(team_rows["team_id"], team_rows["name"], strict=True))
    days = [stamp.date() for stamp in pd.to_datetime(responses["responded_at"])]
    scan = _scan(responses, name_matcher, history, days)
    found = scan.found
    if not found:
        return _empty_praise()

    # Positivity of each comment with a mention, the accepted names masked out first
    # ("Joy", "Hope" and "Grace" would be cues otherwise).
    comments = responses["comment"].tolist()
    spans: dict[int, list[tuple[int, int]]] = {}
    for hit in found:
        spans.setdefault(hit["row"], []).append(hit["span"])
    scores = {}
    for row, cuts in spans.items():
        text_ = scan.folded_row(row)
        for a, b in sorted(cuts, reverse=True):
            text_ = text_[:a] + " " * (b - a) + text_[b:]
        scores[row] = positivity(text_)

    cols = {c: responses[c].tolist() for c in responses.columns}
    out = []
    for hit in found:
        row = hit["row"]
        pos, neg = scores[row]
        if pos < 1 or pos < neg:
            continue
        chosen = hit["agent_id"]
        teams = history.on(days[row])  # the named agent's team when the customer answered
        out.append(
            {
                "response_id": cols["response_id"][row],
                "responded_at": cols["responded_at"][row],
                "agent_id": chosen,
                "name": agent_names.get(chosen),
                "team_id": teams.get(chosen)
                if chosen
                else none_if_missing(cols["response_team_id"][row]),
                "team_name": team_names.get(teams.get(chosen)) if chosen else None,
                "response_agent_id": none_if_missing(cols["response_agent_id"][row]),
                "respondent_type": cols["respondent_type"][row],
                "nps": none_if_missing(cols["nps"][row]),
                "csat": none_if_missing(cols["csat"][row]),
                "comment": comments[row],
                "mention": hit["mention"],
                "positivity": pos - neg,
                "candidates": hit["candidates"],
                "teams": teams,
            }
        )
    if team is not None:
        out = [
            r
            for r in out
            if r["team_id"] == team
            or (r["agent_id"] is None and any(r["teams"].get(c) == team for c in r["candidates"]))
        ]
    if not out:
        return _empty_praise()
    _add_thanks(store, out, first, last, agent_names, team_names)
    # Object columns keep None as None (a str column would turn it into NaN).
    frame = pd.DataFrame({c: pd.Series([r[c] for r in out], dtype=object) for c in PRAISE_COLUMNS})
    frame["responded_at"] = pd.to_datetime(frame["responded_at"])
    frame["comment"] = redact_series(frame["comment"])
    for column in ("nps", "csat"):
        frame[column] = frame[column].astype("Int64")
    frame["positivity"] = frame["positivity"].astype(int)
    frame["thanked"] = frame["thanked"].astype(bool)
    frame["ambiguous"] = frame["ambiguous"].astype(bool)
    return frame


def _add_thanks(
    store: Store,
    rows: list[dict],
    first: date,
    last: date,
    agent_names: dict,
    team_names: dict,
) -> None:
    """Join the thank-you notes; a note on one candidate settles an ambiguous praise.
    (`rows` carry the teams of their day under "teams".)"""
    thanks = recognition_store.thanks_between(store, first, last)
    notes = {
        (r.response_id, r.agent_id): (r.thanked_by, r.thanked_at, none_if_missing(r.note))
        for r in thanks.itertuples()
    }
    for r in rows:
        agent = r["agent_id"]
        note = notes.get((r["response_id"], agent)) if agent else None
        if agent is None:
            for candidate in r["candidates"]:
                if (r["response_id"], candidate) in notes:
                    agent, note = candidate, notes[(r["response_id"], candidate)]
                    team_id = r["teams"].get(agent)
                    r.update(
                        agent_id=agent,
                        name=agent_names.get(agent),
                        team_id=team_id,
                        team_name=team_names.get(team_id),
                    )
                    break
        r["ambiguous"] = agent is None
        r["thanked"] = note is not None
        r["thanked_by"], r["thanked_at"], r["note"] = note or (None, None, None)
