"""Which export a file is, and which of its columns feed which canonical column.

Layouts recognised from the first rows, with no help:

- **qualtrics**: three header rows: column ids (`StartDate`, `ResponseId`, `Q1`, embedded
  data such as `AgentID`), question text, and `{"ImportId":"QID1"}` JSON, whose `timeZone`
  says what zone a date column's times are in (they are converted to the business zone).
  Survey previews, test responses and unfinished responses are rejected rows with their own
  reasons (also in a file with Qualtrics' labels in one header row, as the rejected-rows
  download writes it).
- **surveymonkey**: two header rows: `Respondent ID`, `Collector ID`, `Start Date`,
  `End Date` … question text; then `Response` / `Open-Ended Response` / answer options.
  Dates are month-first (MM/DD/YYYY hh:mm:ss AM/PM) by the layout. The same columns in one
  header row (the rejected-rows download of such an export) are read the same way.
- **google_forms**: one header row whose first column is `Timestamp`, questions as headers.
- **canonical**: anything else (canonical names and common aliases). A label ending in a
  time zone in brackets, "Recorded Date (America/Denver)", says the zone of that column's
  times without an offset.

A column with values but no header is labelled by its letter, "column C (no header)": it is
offered in the mapping, and a file is refused while such a column is left unmapped.
A mapping is `{canonical column: source column label or None}`; labels are what the analyst
recognises (question text when there is one). Detection: the layout's known columns, then
canonical names and aliases, then (surveys) question text — "how likely … recommend" → nps,
"easy" / "effort" → ces, "satisf" → csat — checked against the values, an agent column by
its name or because its values match the roster, and the comment by its name or as the
longest free-text column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from cxmetrics.ingest.cells import NULL_TOKENS
from cxmetrics.ingest.reasons import Errors, UnreadableFile
from cxmetrics.ingest.scores import read_scores
from cxmetrics.ingest.specs import KindSpec

SAMPLE_ROWS = 500  # rows that detection looks at
# Columns the rejected-rows download adds after a file's own: never taken for data.
DOWNLOAD_COLUMNS = ("line_no", "error")

LABELS = {
    "canonical": "canonical columns",
    "qualtrics": "Qualtrics export (3 header rows)",
    "surveymonkey": "SurveyMonkey export (2 header rows)",
    "google_forms": "Google Forms export",
}

TIMESTAMP_NAMES = {
    "timestamp", "marca_temporal", "horodateur", "zeitstempel", "carimbo_de_data_hora",
    "informazioni_cronologiche", "tijdstempel", "sygnatura_czasowa",
}  # fmt: skip

# Columns a vendor writes about the response itself (never a question).
META = {
    "qualtrics": {
        "start_date", "end_date", "status", "ip_address", "progress", "duration_in_seconds",
        "finished", "recorded_date", "response_id", "recipient_last_name",
        "recipient_first_name", "recipient_email", "external_reference",
        "external_data_reference", "location_latitude", "location_longitude",
        "distribution_channel", "user_language", "q_recaptcha_score",
        "q_relevant_id_duplicate", "q_relevant_id_duplicate_score", "q_relevant_id_fraud_score",
        "q_relevant_id_last_start_date", "response_type",
    },
    "surveymonkey": {
        "respondent_id", "collector_id", "start_date", "end_date", "ip_address",
        "email_address", "first_name", "last_name",
    },
    "google_forms": {"timestamp", "email_address", "score", "email"} | TIMESTAMP_NAMES,
    "canonical": set(),
}  # fmt: skip

# Vendor columns that feed a canonical column, best first (normalised ids).
KNOWN = {
    "qualtrics": {
        "response_id": ("response_id",),
        "responded_at": ("recorded_date", "end_date", "start_date"),
    },
    "surveymonkey": {
        "response_id": ("respondent_id",),
        "responded_at": ("end_date", "start_date"),
    },
    "google_forms": {"responded_at": tuple(sorted(TIMESTAMP_NAMES))},
    "canonical": {},
}

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

# Qualtrics response types (text, or the legacy numeric codes).
PREVIEW_STATUS = {"survey preview", "1", "9", "17", "preview"}
TEST_STATUS = {"survey test", "2", "test"}


# ---------------------------------------------------------------- layout


def normalise_header(name: str) -> str:
    """`  Agent ID ` → `agent_id`, `RecordedDate` → `recorded_date` (trim, split camelCase,
    lower case, spaces / dashes / dots / brackets → `_`)."""
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", str(name).strip())
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"[\s\-./()\[\]]+", "_", text.lower())
    return re.sub(r"_+", "_", text).strip("_")


@dataclass
class Layout:
    name: str  # canonical | qualtrics | surveymonkey | google_forms
    header_rows: int
    labels: list[str]  # unique source-column labels (question text when there is one)
    ids: list[str]  # first header row as written
    questions: list[str]  # question text per column ('' when none)
    dayfirst: bool | None = None  # day/month order the layout fixes
    header_values: list[list[str]] = field(default_factory=list)  # the header rows as read
    zones: list[str | None] = field(default_factory=list)  # time zone of naive times, per column
    unnamed: list[int] = field(default_factory=list)  # positions with no header at all

    @property
    def label(self) -> str:
        return LABELS[self.name]

    @property
    def meta(self) -> set[str]:
        return META[self.name]

    def names(self, pos: int) -> set[str]:
        """Normalised names a column answers to (label, id, question text; a label without
        its time zone)."""
        out = {
            normalise_header(self.labels[pos]),
            normalise_header(self.ids[pos]),
            normalise_header(split_zone(self.labels[pos])[0]),
        }
        if self.questions[pos]:
            out.add(normalise_header(self.questions[pos]))
        return out - {""}

    def id_of(self, pos: int) -> str:
        return normalise_header(self.ids[pos])

    def zone(self, pos: int) -> str | None:
        """The time zone the column's times without an offset are in (None: business)."""
        return self.zones[pos] if pos < len(self.zones) else None

    def find(self, name: str) -> int | None:
        """Position of a column named by its label, its id or its question text."""
        for names in (self.labels, self.ids, self.questions):
            for pos, value in enumerate(names):
                if value and value == name:
                    return pos
        wanted = normalise_header(name)
        hits = [p for p in range(len(self.labels)) if wanted and wanted in self.names(p)]
        return hits[0] if len(hits) == 1 else None


def _tidy(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip()


def column_letter(pos: int) -> str:
    """A spreadsheet's name for a column: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    pos += 1
    while pos:
        pos, rest = divmod(pos - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def unnamed_label(pos: int) -> str:
    return f"column {column_letter(pos)} (no header)"


_ZONE_SUFFIX = re.compile(
    r"^(.*?)\s*[(\[]\s*([A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*)\s*[)\]]$"
)
_IMPORT_ZONE = re.compile(r"""["']timeZone["']\s*:\s*["']([^"']*)["']""")


def known_zone(name: str) -> str | None:
    """An IANA time-zone name as ZoneInfo knows it ("Z" is UTC), else None."""
    name = name.strip()
    if name.upper() in ("Z", "UTC", "GMT"):
        return "UTC"
    if "/" not in name:
        return None
    try:
        return ZoneInfo(name).key
    except (ZoneInfoNotFoundError, ValueError):
        return None


def split_zone(label: str) -> tuple[str, str | None]:
    """ "Recorded Date (America/Denver)" → ("Recorded Date", "America/Denver"); a label
    without a known zone in brackets at its end is returned whole."""
    found = _ZONE_SUFFIX.match(str(label))
    if found and found.group(1) and (zone := known_zone(found.group(2))):
        return found.group(1), zone
    return str(label), None


def _import_zones(third: list[str], labels: list[str]) -> list[str | None]:
    """Per column, the `timeZone` of a Qualtrics ImportId cell (None when it has none)."""
    zones: list[str | None] = []
    for pos, cell in enumerate(third):
        found = _IMPORT_ZONE.search(cell)
        if not found:
            zones.append(None)
            continue
        zone = known_zone(found.group(1))
        if zone is None:
            raise UnreadableFile(
                f"the export says the times of column '{labels[pos]}' are in time zone "
                f"'{found.group(1)}', which is not a known time zone: export it again with a "
                "standard zone (such as America/Denver)"
            )
        zones.append(zone)
    return zones


def _unique(labels: list[str], ids: list[str], qualtrics: bool) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for pos, label in enumerate(labels):
        label = label or (ids[pos] if ids[pos] else unnamed_label(pos))
        if label in seen:
            seen[label] += 1
            if qualtrics and ids[pos]:
                label = f"{label} [{ids[pos]}]"
            else:
                label = f"{label} ({seen[label]})"
        seen.setdefault(label, 1)
        out.append(label)
    return out


def detect_layout(top: list[list[str]], spec: KindSpec) -> Layout:
    """The layout of a file from its first rows (cells as read)."""
    top = [[str(c) for c in row] for row in top[:3]]
    first = [_tidy(c) for c in top[0]] if top else []
    width = len(first)
    norm = [normalise_header(c) for c in first]
    if spec.kind == "surveys" and len(top) >= 3:
        third = [c.strip() for c in top[2] if c.strip()]
        imports = sum(c.startswith('{"ImportId"') or c.startswith("{'ImportId'") for c in third)
        if third and imports >= max(1, len(third) / 2):
            questions = [_tidy(c) for c in top[1]]
            labels = _unique([q or i for q, i in zip(questions, first, strict=True)], first, True)
            return Layout(
                "qualtrics",
                3,
                labels,
                first,
                questions,
                header_values=top[:3],
                zones=_import_zones(top[2], labels),
                unnamed=[p for p in range(width) if not (questions[p] or first[p])],
            )
    monkey = (
        spec.kind == "surveys"
        and "respondent_id" in norm
        and ("collector_id" in norm or "start_date" in norm)
    )
    # The second row is SurveyMonkey's sub-header (no respondent id in it), else data.
    if monkey and len(top) >= 2 and not top[1][norm.index("respondent_id")].strip():
        subs = [_tidy(c) for c in top[1]]
        labels, questions, current = [], [], ""
        for pos in range(width):
            if first[pos]:
                current = first[pos]
            elif not subs[pos]:
                current = ""
            question = first[pos] or current
            sub = subs[pos]
            if not sub or sub in ("Response", "Open-Ended Response"):
                labels.append(question)
            else:
                labels.append(f"{question} — {sub}" if question else sub)
            questions.append(question)
        return Layout(
            "surveymonkey",
            2,
            _unique(labels, first, False),
            first,
            questions,
            dayfirst=False,
            header_values=top[:2],
            unnamed=[p for p in range(width) if not labels[p]],
        )
    labels = _unique(first, first, False)
    unnamed = [p for p in range(width) if not first[p]]
    if monkey and "collector_id" in norm and {"start_date", "end_date"} & set(norm):
        return Layout(
            "surveymonkey", 1, labels, first, list(first), dayfirst=False,
            header_values=top[:1], unnamed=unnamed,
        )  # fmt: skip
    if spec.kind == "surveys" and norm and norm[0] in TIMESTAMP_NAMES:
        known = {c.name for c in spec.columns} | {a for c in spec.columns for a in c.aliases}
        known |= set(DOWNLOAD_COLUMNS)
        if any(n and n not in known for n in norm[1:]):
            return Layout(
                "google_forms", 1, labels, first, list(first), header_values=top[:1],
                unnamed=unnamed,
            )  # fmt: skip
    return Layout(
        "canonical", 1, labels, first, [""] * width, header_values=top[:1],
        zones=[split_zone(label)[1] for label in labels], unnamed=unnamed,
    )  # fmt: skip


# ---------------------------------------------------------------- roster look-up


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


# ---------------------------------------------------------------- detection


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


# ---------------------------------------------------------------- rows a layout excludes


def _qualtrics_columns(layout: Layout, kind: str) -> dict[str, int] | None:
    """Positions of Qualtrics' Status, DistributionChannel and Finished columns: by their
    ids in an export, or by their labels (Response Type, Distribution Channel, Finished) in
    a survey file with one header row, such as the rejected rows of an export downloaded to
    be fixed and loaded again."""
    if layout.name == "qualtrics":
        ids = {layout.id_of(p): p for p in range(len(layout.ids))}
        wanted = {"status": "status", "channel": "distribution_channel", "finished": "finished"}
    elif layout.name == "canonical" and kind == "surveys":
        ids = {normalise_header(label): p for p, label in enumerate(layout.labels)}
        if "response_type" not in ids:
            return None
        wanted = {
            "status": "response_type",
            "channel": "distribution_channel",
            "finished": "finished",
        }
    else:
        return None
    return {key: ids[name] for key, name in wanted.items() if name in ids}


def layout_rejections(
    layout: Layout, body: pd.DataFrame, errors: Errors, kind: str = "surveys"
) -> dict[str, int]:
    """Reject Qualtrics survey previews, test responses and unfinished responses (counted
    as rejected rows with their own reasons, so rows_in still adds up)."""
    found = _qualtrics_columns(layout, kind)
    if not found or not len(body):
        return {}
    counts: dict[str, int] = {}
    qualtrics = layout.name == "qualtrics"

    def cell(key: str) -> pd.Series | None:
        return body[found[key]].str.strip() if key in found else None

    def name(key: str, export_id: str) -> str:
        return export_id if qualtrics else layout.labels[found[key]]

    status = cell("status")
    channel = cell("channel")
    for kind_of, words in (("preview", PREVIEW_STATUS), ("test", TEST_STATUS)):
        mask = np.zeros(len(body), dtype=bool)
        shown = pd.Series("", index=body.index)
        for label, col in (
            (name("status", "Status") if status is not None else "", status),
            (name("channel", "DistributionChannel") if channel is not None else "", channel),
        ):
            if col is None:
                continue
            hit = col.str.lower().isin(words).to_numpy() & ~mask
            shown[hit] = f"{label} = " + col[hit]
            mask |= hit
        if mask.any():
            reason = (
                "survey preview response ({}): not a real customer"
                if kind_of == "preview"
                else "survey test response ({}): not a real customer"
            )
            group = f"survey {kind_of} response"
            errors.add(
                mask,
                group,
                lambda i, s=shown, r=reason: np.asarray([r.format(v) for v in s.iloc[i]]),
            )
            counts[group] = int(mask.sum())
    finished = cell("finished")
    if finished is not None:
        finished_name = name("finished", "Finished")
        low = finished.str.lower()
        mask = low.isin({"false", "0", "no", "f"}).to_numpy()
        if mask.any():
            errors.add(
                mask,
                "unfinished response",
                lambda i, v=finished: np.asarray(
                    [
                        f"unfinished response ({finished_name} = {x}): the respondent did not "
                        "complete the survey"
                        for x in v.iloc[i]
                    ]
                ),
            )
            counts["unfinished response"] = int(mask.sum())
    return counts
