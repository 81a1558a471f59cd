"""Which export a file is, found from its first rows with no help, and the rows its layout
excludes.

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
offered in the mapping, and a file is refused while such a column is left unmapped. Which
column feeds which canonical column is `mapping`'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from cxmetrics.ingest.reasons import Errors, UnreadableFile
from cxmetrics.ingest.specs import KindSpec

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
