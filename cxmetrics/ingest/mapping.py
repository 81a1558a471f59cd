"""Which of a file's columns feed which canonical column.

A mapping is `{canonical column: source column label or None}`; labels are what the analyst
recognises (question text when there is one). Detection: the layout's known columns, then
canonical names and aliases, then (surveys) question text — "how likely … recommend" → nps,
"easy" / "effort" → ces, "satisf" → csat — checked against the values, an agent column by
its name or because its values match the roster, and the comment by its name or as the
longest free-text column. A mapping is checked to give every required column a source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from cxmetrics.ingest.cells import NULL_TOKENS
from cxmetrics.ingest.layouts import DOWNLOAD_COLUMNS, KNOWN, Layout
from cxmetrics.ingest.reasons import UnreadableFile
from cxmetrics.ingest.roster_lookup import Roster
from cxmetrics.ingest.scores import read_scores
from cxmetrics.ingest.specs import KindSpec

SAMPLE_ROWS = 500  # rows that detection looks at

NPS_TEXT = re.compile(r"recommend|\bnps\b|net promoter", re.IGNORECASE)
CES_TEXT = re.compile(r"\beas(?:y|e|ier|ily)\b|effort", re.IGNORECASE)
CSAT_TEXT = re.compile(r"satisf", re.IGNORECASE)
COMMENT_TEXT = re.compile(
    r"comment|anything else|tell us|feedback|verbatim|\bwhy\b|reason|suggest|improv|explain|"
    r"in your own words|thoughts",
    re.IGNORECASE,
)
AGENT_NAMES = {
    "agent_id", "agentid", "agent", "agent_email", "agentemail", "agent_name", "agentname",
    "agent_code", "employee_id", "rep_id", "advisor", "advisor_id", "representative",
}  # fmt: skip
AGENT_TEXT = re.compile(
    r"\bagent\b|who (?:helped|served|assisted)|representative|advisor", re.IGNORECASE
)
TEAM_NAMES = {"team", "team_id", "teamid", "team_name", "teamname", "team_code"}
_EMAIL = r"^[^@ ]+@[^@ ]+\.[^@ ]+$"
_DATEISH = r"^[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}"


@dataclass
class Detection:
    mapping: dict[str, int | None]  # canonical -> position
    conflicts: list[str] = field(default_factory=list)  # canonical layout: names clashing
    notes: list[str] = field(default_factory=list)  # how a column was chosen


def _present(values: pd.Series) -> pd.Series:
    text = values.astype(str).str.strip()
    return text[~text.str.lower().isin(NULL_TOKENS)]


def _score_share(values: pd.Series, col) -> float | None:
    text = _present(values)
    if not len(text):
        return None
    nums = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    todo = nums.isna()
    if todo.any():
        nums[todo] = read_scores(text[todo], col).values
    ok = nums.notna() & (nums >= col.minimum) & (nums <= col.maximum) & (nums == nums.round())
    return float(ok.mean())


def _textiness(values: pd.Series) -> tuple[float, float]:
    """(share of free-text values, mean length) of a sample column."""
    text = _present(values)
    if not len(text):
        return 0.0, 0.0
    numeric = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce").notna()
    odd = text.str.match(_EMAIL) | text.str.match(_DATEISH)
    free = ~numeric & ~odd
    return float(free.mean()), float(text[free].str.len().mean() if free.any() else 0.0)


def detect_mapping(
    spec: KindSpec, layout: Layout, sample: pd.DataFrame, roster: Roster | None = None
) -> Detection:
    """The mapping a file's columns suggest (positions), with notes on the guesses."""
    width = len(layout.labels)
    det = Detection({c.name: None for c in spec.columns})
    used: set[int] = set()

    def take(name: str, pos: int, note: str | None = None) -> None:
        det.mapping[name] = pos
        used.add(pos)
        if note:
            det.notes.append(f"`{name}` ← '{layout.labels[pos]}' ({note})")

    # 1. Columns the vendor layout names.
    for name, ids in KNOWN[layout.name].items():
        if name not in det.mapping:
            continue
        for wanted in ids:
            hits = [p for p in range(width) if layout.id_of(p) == wanted and p not in used]
            if hits:
                take(name, hits[0])
                break

    # 2. Canonical names, then aliases.
    names = [layout.names(p) for p in range(width)]
    for col in spec.columns:
        if det.mapping[col.name] is not None:
            continue
        exact = [p for p in range(width) if col.name in names[p] and p not in used]
        ranked = []
        for alias in col.aliases:
            ranked += [
                p for p in range(width) if alias in names[p] and p not in used and p not in exact
            ]
        if layout.name == "canonical":
            found = exact or sorted(set(ranked))
            if len(found) > 1:
                shown = " and ".join(f"`{layout.labels[p]}`" for p in found)
                det.conflicts.append(
                    f"columns {shown} (columns {', '.join(str(p + 1) for p in found)}) both "
                    f"mean `{col.name}`: rename or remove one"
                )
        else:
            found = exact or list(dict.fromkeys(ranked))
        if found:
            take(col.name, found[0])

    if spec.kind != "surveys":
        return det

    questions = [
        p
        for p in range(width)
        if p not in used and layout.id_of(p) not in layout.meta
        and not layout.id_of(p).endswith("_nps_group")
        and layout.labels[p] not in DOWNLOAD_COLUMNS
    ]  # fmt: skip

    def text_of(pos: int) -> str:
        return layout.questions[pos] or layout.labels[pos]

    # 3. Scores by question text, confirmed by the values.
    for name, pattern in (("nps", NPS_TEXT), ("ces", CES_TEXT), ("csat", CSAT_TEXT)):
        if det.mapping[name] is not None:
            continue
        col = spec.column(name)
        hits = []
        for pos in questions:
            if pos in used or not pattern.search(text_of(pos)):
                continue
            share = _score_share(sample[pos], col) if pos in sample.columns else None
            if share is None or share >= 0.8:
                hits.append(pos)
        if hits:
            note = "question text"
            if len(hits) > 1:
                others = ", ".join(f"'{layout.labels[p]}'" for p in hits[1:])
                note += f"; also possible: {others}"
            take(name, hits[0], note)

    # 4. The agent: by its name, by question text, or because its values are in the roster.
    if det.mapping.get("agent_id") is None:
        named = [p for p in range(width) if p not in used and names[p] & AGENT_NAMES]
        asked = [p for p in questions if p not in used and AGENT_TEXT.search(text_of(p))]
        if named or asked:
            take("agent_id", (named or asked)[0], "column name" if named else "question text")
        elif roster is not None and roster.agent_ids:
            shares = {
                p: roster.match_share(sample[p])
                for p in range(width)
                if p not in used and p in sample.columns
            }
            best = max(shares, key=lambda p: shares[p], default=None)
            if best is not None and shares[best] >= 0.6:
                take("agent_id", best, f"{shares[best]:.0%} of its values are agents of the roster")
    if det.mapping.get("team_id") is None:
        named = [p for p in range(width) if p not in used and names[p] & TEAM_NAMES]
        if named:
            take("team_id", named[0], "column name")

    # 5. The comment: by its question text, else the longest free text.
    if det.mapping.get("comment") is None:
        scored = {}
        for pos in questions:
            if pos in used or pos not in sample.columns:
                continue
            free, length = _textiness(sample[pos])
            scored[pos] = (free, length)
        asked = [
            p
            for p in scored
            if COMMENT_TEXT.search(text_of(p)) and (scored[p][0] >= 0.5 or not scored[p][1])
        ]
        if asked:
            best = max(asked, key=lambda p: scored[p][1])
            take("comment", best, "question text")
        else:
            free_text = [p for p in scored if scored[p][0] >= 0.8 and scored[p][1] >= 12]
            if free_text:
                best = max(free_text, key=lambda p: scored[p][1])
                take("comment", best, "the longest free-text column")
    return det


def resolve_mapping(
    spec: KindSpec,
    layout: Layout,
    mapping: dict[str, str | None],
    *,
    missing: list[str] | None = None,
) -> dict[str, int | None]:
    """Positions for a mapping of canonical columns to source-column labels.

    Raises ValueError for a name that is not a canonical column of the kind, UnreadableFile
    for a source column the file does not have (or, given a `missing` list, says so there
    and leaves that column unmapped).
    """
    names = set(spec.names)
    out: dict[str, int | None] = {c: None for c in spec.names}
    for canon, source in mapping.items():
        if canon not in names:
            raise ValueError(
                f"`{canon}` is not a {spec.kind} column: map one of {', '.join(spec.names)}"
            )
        if source is None or str(source).strip() == "":
            continue
        pos = layout.find(str(source))
        if pos is None:
            shown = ", ".join(f"'{label}'" for label in layout.labels[:15])
            more = " …" if len(layout.labels) > 15 else ""
            problem = UnreadableFile(
                f"the mapping takes `{canon}` from column '{source}', which this file does not "
                f"have (its columns: {shown}{more}): choose another column or inspect it again"
            )
            if missing is None:
                raise problem
            missing.append(str(problem))
            continue
        out[canon] = pos
    return out


def labels_of(layout: Layout, positions: dict[str, int | None]) -> dict[str, str | None]:
    return {c: (None if p is None else layout.labels[p]) for c, p in positions.items()}


@dataclass
class Mapping:
    """Which file column (position) feeds each canonical column."""

    columns: dict[str, int]  # canonical name -> position in the file
    ignored: list[str] = field(default_factory=list)  # header names not used


def map_columns(spec: KindSpec, header: list[str]) -> Mapping:
    """Match a canonical file's header names to canonical columns (exact name first, then
    aliases).

    Raises UnreadableFile when a required column is missing or two columns claim one name.
    """
    labels = [str(h).strip() for h in header]
    layout = Layout("canonical", 1, labels, labels, [""] * len(labels))
    found = detect_mapping(spec, layout, pd.DataFrame())
    if found.conflicts:
        raise UnreadableFile(found.conflicts[0])
    return checked_mapping(spec, found.mapping, labels)


def checked_mapping(
    spec: KindSpec, positions: dict[str, int | None], labels: list[str], *, explicit: bool = False
) -> Mapping:
    """The mapping as positions, once every required column has a source.

    Raises UnreadableFile naming what is missing (and, for a mapping the analyst gave, that
    it is the mapping that leaves it out).
    """
    columns = {c: p for c, p in positions.items() if p is not None}
    missing = [c.name for c in spec.columns if c.required and c.name not in columns]
    if missing or (spec.any_of and not any(c in columns for c in spec.any_of)):
        need = [c.name for c in spec.columns if c.required]
        if spec.any_of:
            need.append(" or ".join(spec.any_of))
        what = f"`{missing[0]}`" if missing else " / ".join(spec.any_of)
        if explicit:
            raise UnreadableFile(
                f"the mapping gives no column for {what}: {spec.kind} files need "
                f"{', '.join(need)}; choose the file's column for it"
            )
        found_names = [name for name in labels if name and not name.endswith("(no header)")]
        shown = ", ".join(found_names[:12]) + (" …" if len(found_names) > 12 else "")
        raise UnreadableFile(
            f"no {what} column: {spec.kind} files need the columns {', '.join(need)} in their "
            f"first row (found: {shown or 'nothing'}); see the sample {spec.kind}.csv (Upload page)"
        )
    used = set(columns.values())
    ignored = [name for p, name in enumerate(labels) if p not in used and name.strip()]
    return Mapping(columns=columns, ignored=ignored)
