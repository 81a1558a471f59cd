"""Agents and teams a file names by name, e-mail or nickname instead of id, found in the
roster: a name that belongs to exactly one agent (or team) becomes its id."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass
class Roster:
    """Agents (and teams) of the store, to recognise names and e-mails in a file."""

    agent_ids: set[str]
    agent_keys: dict[str, str]  # lower-case name / e-mail / nickname -> agent_id (unique)
    team_ids: set[str]
    team_keys: dict[str, str]  # lower-case team name -> team_id (unique)

    @classmethod
    def from_frames(cls, agents: pd.DataFrame, teams: pd.DataFrame) -> Roster:
        return cls(
            set(agents["agent_id"].dropna().astype(str)),
            _unique_keys(agents, "agent_id", ("email", "name", "nickname")),
            set(teams["team_id"].dropna().astype(str)),
            _unique_keys(teams, "team_id", ("name",)),
        )

    def match_share(self, values: pd.Series) -> float:
        text = values.dropna().astype(str).str.strip()
        text = text[text != ""]
        if not len(text):
            return 0.0
        hit = text.isin(self.agent_ids) | _lower(text).isin(self.agent_keys.keys())
        return float(hit.mean())


def _lower(text: pd.Series) -> pd.Series:
    return text.str.strip().str.lower().str.replace(r"\s+", " ", regex=True)


def _unique_keys(frame: pd.DataFrame, key: str, fields: tuple[str, ...]) -> dict[str, str]:
    pairs: dict[str, set[str]] = {}
    for f in fields:
        if f not in frame.columns:
            continue
        sub = frame[[key, f]].dropna()
        for k, v in zip(sub[key].astype(str), _lower(sub[f].astype(str)), strict=True):
            if v:
                pairs.setdefault(v, set()).add(k)
    return {v: next(iter(ks)) for v, ks in pairs.items() if len(ks) == 1}


def translate(values: pd.Series, ids: set[str], keys: dict[str, str]) -> tuple[pd.Series, int]:
    """Values that are not ids but name exactly one roster entry become its id."""
    if not keys:
        return values, 0
    todo = values.notna() & ~values.isin(ids)
    if not todo.any():
        return values, 0
    found = _lower(values[todo]).map(keys)
    found = found[found.notna()]
    if not len(found):
        return values, 0
    out = values.copy()
    out.loc[found.index] = found.astype(str)
    return out, len(found)
