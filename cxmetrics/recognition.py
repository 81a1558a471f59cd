"""Recognition: service stars, praise that names an agent, and the thank-you loop.

Service stars rank agents by the *lower bound* of their 95 % NPS interval (adjusted Wald,
`stats.nps_interval`), so a 10/10 from two customers never beats +70 over 80 answers;
agents of internal service teams are ranked on colleague iNPS. Everything is computed from
the daily rollups in one set-based read (`engine.period_sums(..., by="agent")`).

Praise is a promoter's comment (NPS 9–10, or CSAT 5 without NPS) that reads positive (a
small cue lexicon with negation) and names an agent of the roster (first name, full name or
nickname, matched case- and accent-insensitively on word boundaries). All comments of a
period are folded once, joined into one string and scanned by one compiled trie regex of
every roster name; only the matches go through Python. Names that are ordinary words
(Will, Hope, Mark …) need a capitalised mention mid-sentence, the full name, or a mention
that reads like a name ("thanks to will", "will was brilliant") *and* belongs to the
response's agent or team. Detractor and passive comments are never read for praise.
Comments leave this module redacted (`privacy`).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import pandas as pd
from sqlalchemy import text

from cxmetrics.metrics import stats
from cxmetrics.metrics.engine import SIGNIFICANCE, period_sums, sum_column
from cxmetrics.metrics.registry import default_registry
from cxmetrics.org import is_internal
from cxmetrics.periods import Period, parse_period
from cxmetrics.privacy import redact, redact_series
from cxmetrics.store import Store, membership
from cxmetrics.store.membership import fact_team

__all__ = [
    "ORDINARY_WORD_NAMES",
    "PRAISE_COLUMNS",
    "Improvement",
    "Star",
    "TeamChange",
    "best_team_change",
    "find_praise",
    "fold",
    "mark_thanked",
    "most_improved",
    "positivity",
    "stars",
    "stars_report",
    "unmark_thanked",
]

# ============================================================================ service stars

# (sum names) per metric in the surveys rollup: n, promoters, detractors.
_NPS_SUMS = {
    "nps": ("nps_n", "promoters", "detractors"),
    "inps": ("inps_n", "inps_promoters", "inps_detractors"),
}


@dataclass(frozen=True)
class Star:
    """An agent's (i)NPS for a period with its 95 % adjusted-Wald interval."""

    agent_id: str
    name: str
    team_id: str | None
    team_name: str | None
    metric: str  # "nps" | "inps"
    value: float
    n: int
    ci_low: float
    ci_high: float

    @property
    def margin(self) -> float:
        """Half-width of the interval, in NPS points."""
        return (self.ci_high - self.ci_low) / 2

    def to_dict(self) -> dict:
        return _rounded(asdict(self))


@dataclass(frozen=True)
class Improvement(Star):
    """A significant rise of an agent's (i)NPS over the previous period."""

    previous: float = 0.0
    previous_n: int = 0
    delta: float = 0.0
    p_value: float = 1.0


@dataclass(frozen=True)
class TeamChange:
    """The team whose (i)NPS changed most for the better, significantly."""

    team_id: str
    team_name: str
    metric: str
    value: float
    n: int
    previous: float
    previous_n: int
    delta: float
    p_value: float

    def to_dict(self) -> dict:
        return _rounded(asdict(self))


def _rounded(values: dict) -> dict:
    out = {}
    for key, value in values.items():
        if isinstance(value, float):
            value = round(value, 6 if key == "p_value" else 4)
        out[key] = value
    return out


def _period(period: Period | str) -> Period:
    return parse_period(period) if isinstance(period, str) else period


def _roster(store: Store, on: date | None = None, team: str | None = None) -> pd.DataFrame:
    """agent_id, name, nickname, team_id, team_name, internal — one row per roster agent.

    The team is `team` when given (a team's stars are that team's), else the team each
    agent was in on `on`, else (no date) their roster team now."""
    if on is None:
        frame = store.frame(
            "SELECT a.agent_id, coalesce(a.name, a.agent_id) AS name, a.nickname, a.team_id, "
            "coalesce(t.name, a.team_id) AS team_name, t.function "
            "FROM agents a LEFT JOIN teams t ON t.team_id = a.team_id ORDER BY a.agent_id"
        )
    else:
        frame = store.frame(
            "WITH member AS (SELECT agent_id, team_id FROM agent_teams WHERE valid_from <= :on "
            "AND (valid_to IS NULL OR :on < valid_to)) "
            "SELECT a.agent_id, coalesce(a.name, a.agent_id) AS name, a.nickname, "
            "coalesce(CAST(:team AS VARCHAR), m.team_id) AS team_id, "
            "coalesce(t.name, CAST(:team AS VARCHAR), m.team_id) AS team_name, t.function "
            "FROM agents a LEFT JOIN member m ON m.agent_id = a.agent_id "
            "LEFT JOIN teams t ON t.team_id = coalesce(CAST(:team AS VARCHAR), m.team_id) "
            "ORDER BY a.agent_id",
            {"on": on, "team": team},
        )
    frame["internal"] = frame["function"].map(is_internal).astype(bool)
    return frame.drop(columns=["function"])


def _estimates(sums: pd.DataFrame, roster: pd.DataFrame) -> pd.DataFrame:
    """Per agent row of `period_sums`: metric, n, promoters, detractors, value, se."""
    frame = sums[sums["key"].notna()].merge(roster, how="left", left_on="key", right_on="agent_id")
    frame["agent_id"] = frame["key"].astype(str)
    frame["name"] = frame["name"].fillna(frame["agent_id"])
    frame["internal"] = frame["internal"].fillna(False).astype(bool)
    frame["metric"] = frame["internal"].map({True: "inps", False: "nps"})
    for i, part in enumerate(("n", "promoters", "detractors")):
        nps = frame[sum_column("surveys", _NPS_SUMS["nps"][i])]
        inps = frame[sum_column("surveys", _NPS_SUMS["inps"][i])]
        frame[part] = inps.where(frame["internal"], nps).fillna(0).astype(int)
    n = frame["n"].where(frame["n"] > 0)
    p, d = frame["promoters"] / n, frame["detractors"] / n
    frame["value"] = 100.0 * (p - d)
    frame["se"] = 100.0 * ((p + d - (p - d) ** 2).clip(lower=0) / n) ** 0.5
    return frame


def _interval(row) -> tuple[float, float]:
    low, high = stats.nps_interval(row.promoters, row.detractors, row.n)
    return low, high


def _none(value):
    """None for any missing scalar (None, NaN, NA, NaT), else the value."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def stars(
    store: Store, period: Period | str, *, team: str | None = None, limit: int = 5
) -> list[Star]:
    """The period's service stars: agents with at least `stars_min_n` answers, best lower
    bound of the 95 % (i)NPS interval first; ties by n (larger first), then agent id."""
    p = _period(period)
    min_n = store.settings.stars_min_n
    sums = period_sums(store, p.start, p.end, team=team, by="agent", sources=("surveys",))
    if sums.empty or "key" not in sums.columns:
        return []
    frame = _estimates(sums, _roster(store, p.end, team))
    frame = frame[frame["n"] >= max(min_n, 1)].copy()
    if frame.empty:
        return []
    bounds = [_interval(row) for row in frame.itertuples()]
    frame["ci_low"] = [b[0] for b in bounds]
    frame["ci_high"] = [b[1] for b in bounds]
    frame = frame.sort_values(["ci_low", "n", "agent_id"], ascending=[False, False, True])
    return [
        Star(
            agent_id=row.agent_id,
            name=str(row.name),
            team_id=_none(row.team_id),
            team_name=_none(row.team_name),
            metric=row.metric,
            value=float(row.value),
            n=int(row.n),
            ci_low=float(row.ci_low),
            ci_high=float(row.ci_high),
        )
        for row in frame.head(max(limit, 0)).itertuples()
    ]


def _two_periods(sums: pd.DataFrame, p: Period) -> tuple[pd.DataFrame, pd.DataFrame]:
    return sums[sums["bucket"] == p.start], sums[sums["bucket"] == p.previous().start]


def most_improved(
    store: Store, period: Period | str, *, team: str | None = None, limit: int = 3
) -> list[Improvement]:
    """Agents whose (i)NPS rose significantly over the previous period (z-test with
    `stats.nps_se`, p < 0.05, both periods with at least `stars_min_n` answers), largest
    rise first; ties by n, then agent id."""
    p = _period(period)
    min_n = max(store.settings.stars_min_n, 1)
    prev = p.previous()
    sums = period_sums(
        store, prev.start, p.end, grain=p.grain, team=team, by="agent", sources=("surveys",)
    )
    if sums.empty or "key" not in sums.columns:
        return []
    roster = _roster(store, p.end, team)
    cur_sums, prev_sums = _two_periods(sums, p)
    cur = _estimates(cur_sums, roster)
    old = _estimates(prev_sums, roster)[["agent_id", "n", "value", "se"]]
    both = cur.merge(old, on="agent_id", suffixes=("", "_prev"))
    both = both[(both["n"] >= min_n) & (both["n_prev"] >= min_n)]
    found = []
    for row in both.itertuples():
        test = stats.z_test(row.value, row.se, row.value_prev, row.se_prev)
        if test is None or test[1] >= SIGNIFICANCE or row.value <= row.value_prev:
            continue
        low, high = _interval(row)
        found.append(
            Improvement(
                agent_id=row.agent_id,
                name=str(row.name),
                team_id=_none(row.team_id),
                team_name=_none(row.team_name),
                metric=row.metric,
                value=float(row.value),
                n=int(row.n),
                ci_low=low,
                ci_high=high,
                previous=float(row.value_prev),
                previous_n=int(row.n_prev),
                delta=float(row.value - row.value_prev),
                p_value=float(test[1]),
            )
        )
    found.sort(key=lambda i: (-i.delta, -i.n, i.agent_id))
    return found[: max(limit, 0)]


def best_team_change(store: Store, period: Period | str) -> TeamChange | None:
    """The team with the largest significant rise of its (i)NPS over the previous period
    (z-test, p < 0.05; both periods at or above the metric's min_n and `stars_min_n`)."""
    p = _period(period)
    prev = p.previous()
    registry = default_registry()
    sums = period_sums(store, prev.start, p.end, grain=p.grain, by="team", sources=("surveys",))
    if sums.empty or "key" not in sums.columns:
        return None
    teams = store.frame("SELECT team_id, coalesce(name, team_id) AS name, function FROM teams")
    info = {r.team_id: (r.name, is_internal(r.function)) for r in teams.itertuples()}
    best: TeamChange | None = None
    for key, group in sums.groupby("key", sort=True):
        if key not in info:
            continue
        name, internal = info[key]
        metric = "inps" if internal else "nps"
        min_n = max(registry[metric].min_n, store.settings.stars_min_n, 1)
        values = []
        for bucket in (p.start, prev.start):
            row = group[group["bucket"] == bucket]
            if row.empty:
                break
            n, pro, det = (float(row[sum_column("surveys", c)].iloc[0]) for c in _NPS_SUMS[metric])
            if n < min_n:
                break
            values.append((stats.nps_score(pro, det, n), stats.nps_se(pro, det, n), int(n)))
        if len(values) < 2:
            continue
        (value, se, n), (old, old_se, old_n) = values
        test = stats.z_test(value, se, old, old_se)
        if test is None or test[1] >= SIGNIFICANCE or value <= old:
            continue
        change = TeamChange(key, name, metric, value, n, old, old_n, value - old, test[1])
        if best is None or (change.delta, change.n) > (best.delta, best.n):
            best = change
    return best


# ============================================================================ name folding

# Letters that NFKD does not take apart, folded to one letter so that folding keeps the
# length of the text (match positions in the folded text are positions in the original).
_SPECIAL = {
    "ł": "l", "đ": "d", "ø": "o", "ı": "i", "ß": "s", "æ": "a", "œ": "o", "þ": "t",
    "ð": "d", "ħ": "h", "ŀ": "l", "’": "'", "‘": "'", "ʼ": "'", "´": "'",
}  # fmt: skip
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    """One lower-case character without its accents ("é" → "e", "ł" → "l")."""
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return base[0] if base else ch


def _fold_match(m: re.Match[str]) -> str:
    return _fold_char(m.group())


def fold(text: str) -> str:
    """Case- and accent-insensitive form of `text`, as long as `text` ("Tomás" → "tomas").

    Apply to NFC text (`unicodedata.normalize("NFC", …)`) so that no accent stands alone.
    `str.lower` keeps the length of every character but "İ", which is taken out first; only
    the non-ASCII characters go through Python.
    """
    text = text.replace("\u0130", "I").lower().replace("`", "'")
    return text if text.isascii() else _NON_ASCII.sub(_fold_match, text)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Names that are also ordinary words (or short function words): a mention counts only when
# capitalised mid-sentence, as the full name, or read like a name by the response's agent
# or team. Folded forms.
ORDINARY_WORD_NAMES = _words(
    """
    will hope grace mark bill joy may june faith rose sunny frank pat art summer autumn
    victor dawn chase april august max rich don guy sue rob ray jack jean miles bob carol
    sky river star penny ruby amber crystal destiny honey lily iris violet jasmine holly
    ivy gene harmony patience prudence constance glory hunter page brook cliff dale glen
    heath lane wade rusty sandy randy nick drew bud cash chip clay colt dusty earnest
    gale hazel heather jade lance mercy misty norm olive pearl pepper reed rocky sage
    skip sterling storm true ward chance noble king early young sunshine angel bliss
    cherry coral dolly ginger goldie happy lucky melody poppy rusty sally sky stormy
    trinity dean eve gay hardy herb ivory jay jewel kay kitty lark lee mae marina moss
    myrtle nova paris robin sherry spring teddy winter
    an as at be by do go he if in is it me my no of on or so to up us we
    """
)

_NAME_SEP = re.compile(r"[\s\-]+")


def _lookup_key(folded: str) -> str:
    """The dictionary key of a folded mention: one space between parts, no apostrophes."""
    if folded.isalnum():
        return folded
    return _NAME_SEP.sub(" ", folded.replace("'", "")).strip()


def _name_parts(name: str) -> tuple[str, str]:
    """(full name, first name) of a roster name; "Silva, Maria" is Maria Silva."""
    name = " ".join(name.split())
    if "," in name:
        last, _, first = name.partition(",")
        name = f"{first.strip()} {last.strip()}".strip()
    return name, name.split(" ")[0] if name else ""


def _pattern_char(ch: str) -> str:
    if ch == " ":
        return r"[\s\-]+"
    if ch == "'":
        return "'?"
    return re.escape(ch)


def _trie_regex(words: Iterable[str]) -> str:
    """One alternation of `words` as a trie (shared prefixes factored out, longer first)."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [_pattern_char(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        if "" in node:
            return "(?:" + "|".join(branches) + ")?"
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return emit(trie)


@dataclass(frozen=True)
class _Matcher:
    pattern: re.Pattern[str]
    # lookup key -> (candidate agent ids, sorted; True when it is someone's full name)
    entries: dict[str, tuple[tuple[str, ...], bool]]


# A name form longer than this is never looked for in comments: nobody is addressed by a
# longer name, and the trie regex nests a group per branching character.
MAX_NAME_MATCH = 60


@lru_cache(maxsize=8)
def _matcher(names: tuple[tuple[str, str, str | None], ...]) -> _Matcher | None:
    """The compiled name regex and key table for a roster of (agent_id, name, nickname)."""
    entries: dict[str, list[tuple[str, str]]] = {}
    forms: set[str] = set()
    for agent_id, name, nickname in names:
        full, first = _name_parts(unicodedata.normalize("NFC", name or ""))
        nick = " ".join(unicodedata.normalize("NFC", nickname or "").split())
        for kind, value in (("full", full), ("first", first), ("nick", nick)):
            form = _NAME_SEP.sub(" ", fold(value)).strip(" '")
            key = _lookup_key(form)
            if not 2 <= len(key) <= MAX_NAME_MATCH or not any(c.isalnum() for c in key):
                continue  # too short to be a name, or longer than anyone is addressed by
            if kind == "full" and " " not in key:
                continue  # a one-word name is its first name
            if (agent_id, kind) not in entries.setdefault(key, []):
                entries[key].append((agent_id, kind))
            forms.add(form)
    if not forms:
        return None
    body = _trie_regex(sorted(forms))
    table = {
        key: (tuple(sorted({a for a, _ in found})), any(kind == "full" for _, kind in found))
        for key, found in entries.items()
    }
    return _Matcher(re.compile(rf"\b{body}\b"), table)


# ============================================================================ name context

_SENTENCE_BREAK = set(".!?…\n\r–—-:;•*|")
_SKIP_BACK = set(" \t\"'“”‘’«»()[]{}")
# Words before a mention that make it read as a name ("thanks to will", "chat with hope").
# A bare "to" reads as an infinitive ("had to chase", "want to mark"): only after a word
# that addresses someone ("thanks to", "spoke to") does it announce a name.
_CUE_BEFORE = re.compile(
    r"(?:\b(?:(?:thanks|thank\s+you|kudos|credit|shout\s*out|spoke|speak|speaking|talked|"
    r"talking|chatted|grateful|compliments|hats\s+off|pass(?:ed)?\s+(?:it|this|that)\s+on)"
    r"\s+to|with|from|by|thanks|thank\s+you|thankyou|thx|cheers|kudos|bravo|ask\s+for|"
    r"asked\s+for|agent|advisor|adviser|rep|representative|colleague|mr|mrs|ms|miss|dear|"
    r"hi|hello|hey|named|called)[\s,(\"']*)$"
)
# Words before a mention that make it read as an ordinary word ("i will", "we hope").
_WORD_BEFORE = _words(
    "i we you they he she it who that which this there what what's i'll you'll "
    "i'd we'd would could should might must can shall also still just really only "
    "definitely certainly probably surely"
)
# Words after a mention that make it read as a name ("will was", "hope sorted").
_CUE_AFTER = _words(
    "was is were has had did does went made got took gave helped sorted fixed solved "
    "resolved explained answered called rang listened understood managed handled dealt "
    "kept stayed showed found knew really truly who from at in on deserves deserved "
    "needs should rocks rocked"
)
# Words after a mention that make it read as an ordinary word ("to bill me", "mark the").
_WORD_AFTER = _words("me my the a an it us our your you this that them his her their be not")
_WORD = re.compile(r"[\w']+")


def _sentence_initial(text: str, start: int, floor: int) -> bool:
    """True when nothing but quotes and spaces stand between a sentence break and `start`."""
    i = start - 1
    while i >= floor and text[i] in _SKIP_BACK:
        i -= 1
    return i < floor or text[i] in _SENTENCE_BREAK


_TOKEN_EDGE = set(" \t\r\n\x00\"'“”‘’«»()[]{}<>,;!?")


def _in_address(text: str, start: int, end: int) -> bool:
    """True when the mention is part of an e-mail address or a web address."""
    after = text[end : end + 2]
    clear_after = (
        not after or after[0] in _TOKEN_EDGE or (after[0] == "." and not after[1:].isalnum())
    )
    if (start == 0 or text[start - 1] in _TOKEN_EDGE) and clear_after:
        return False  # a plain word (a full stop after it is fine)
    a, b = start, end
    while a > 0 and text[a - 1] not in _TOKEN_EDGE:
        a -= 1
    while b < len(text) and text[b] not in _TOKEN_EDGE:
        b += 1
    token = text[a:b].lower()
    return "@" in token or "://" in token or token.startswith("www.")


def _capitalised(mention: str) -> bool:
    return mention[:1].isupper() and not (len(mention) > 1 and mention.isupper())


def _reads_as_name(folded: str, start: int, end: int, floor: int, ceiling: int) -> bool:
    """A lower-case or sentence-initial mention of an ordinary word read from its context."""
    before = folded[max(floor, start - 40) : start]
    after = _WORD.match(folded[end:ceiling].lstrip(" \t\"'”’"))
    nxt = after.group() if after else ""
    if nxt == "s" or folded[end:ceiling].startswith("'s"):
        return True  # "will's patience"
    if _CUE_BEFORE.search(before):
        return nxt not in _WORD_AFTER
    words = _WORD.findall(before)
    if words and words[-1] in _WORD_BEFORE:
        return False
    rest = folded[end:ceiling].lstrip(" \t")
    if not rest or rest[0] in ",!.?)–—":
        return True
    if nxt in _CUE_AFTER:
        return True
    return len(nxt) > 4 and nxt.endswith("ed") and not nxt.endswith("eed")


# ============================================================================ positivity

_NEGATOR = (
    r"(?:not|no|never|hardly|barely|scarcely|nothing|nobody|none|neither|nor|without|"
    r"cannot|cant|wont|(?:is|was|were|are|do|does|did|has|have|had|could|would|should|wo|"
    r"ca|ai|need)n'?t)"
)
# Phrases read as a whole before their words: "couldn't have been more helpful" is praise,
# "thanks for nothing" is not, "not only" negates nothing.
_PHRASE_POS = (
    r"\b(?:couldn'?t|could\s+not|can'?t|cannot)\s+(?:have\s+)?(?:been|be|asked\s+for|ask\s+for)"
    r"\s+(?:a\s+|any\s+)?(?:more|better|nicer|happier|kinder|friendlier|quicker|faster|easier)"
    r"\b(?:\s+\w+ful\b)?"
    r"|\b(?:can'?t|cannot|couldn'?t|could\s+not)\s+(?:thank|recommend|praise)\b"
)
_PHRASE_NEG = r"\bthanks?\s+for\s+nothing\b|\bno\s+thanks\s+to\b"
_PHRASE_NEUTRAL = r"\bnot\s+only\b|\bnothing\s+but\b|\bno\s+doubt\b"
_POS = (
    r"thank(?:s|ful|fully|ing)?|thank\s*you|thx|cheers|grateful|gratitude|appreciat\w*|"
    r"great(?:est|ly)?|brilliant(?:ly)?|excellent|exceptional(?:ly)?|amazing(?:ly)?|awesome|"
    r"fantastic|fabulous|wonderful|superb|outstanding|terrific|marvell?ous|stellar|"
    r"first\s+class|top\s+notch|spot\s+on|superstar|star|legend|hero|gem|asset|credit\s+to|"
    r"helpful|helped|patient(?:ly)?|patience|friendly|kind(?:ly|ness)?|lovely|polite|courteous|"
    r"professional(?:ism|ly)?|knowledge?able|competent|efficient(?:ly)?|quick(?:ly)?|fast|"
    r"prompt(?:ly)?|speedy|swift(?:ly)?|easy|easily|smooth(?:ly)?|clear(?:ly)?|understanding|"
    r"empathetic|caring|cheerful|pleasant|warm|reassuring|calm|attentive|thorough|genuine|"
    r"nice|good|best|perfect(?:ly)?|impressed|impressive|happy|pleased|delighted|glad|"
    r"satisfied|lov(?:e|ed|ely)|enjoy(?:ed)?|recommend(?:ed)?|above\s+and\s+beyond|"
    r"extra\s+mile|made\s+my\s+day|shout\s*out|kudos|bravo|well\s+done|sorted|solved|resolved|"
    r"fixed|rocks|rocked|rockstar|"
    r"works\s+now|working\s+again|painless|hassle\s+free|10/10|five\s+stars|5\s+stars|"
    r"top\s+marks|gracias|merci|danke|grazie|obrigad[oa]|dziekuje|tack|kiitos|excelente|genial"
)
_NEG = (
    r"bad|poor(?:ly)?|terrible|awful|horrible|dreadful|appalling|shocking|disgusting|rude|"
    r"unhelpful|useless|incompetent|unprofessional|disappoint\w*|frustrat\w*|annoy\w*|angry|"
    r"furious|upset|unhappy|dissatisfied|waste|worst|worse|slow(?:ly)?|ridiculous|"
    r"unacceptable|pathetic|nightmare|hopeless|complain\w*|problems?|issues?|hassle|fault|"
    r"broken|wrong|ignored|lied|mess|cut\s+off|hung\s+up|on\s+hold|hold\s+music|"
    r"waited\s+ages|still\s+waiting|kept\s+waiting|long\s+wait|never\s+again|confus\w*|"
    r"fail(?:ed|s|ure)?|difficult|struggl\w*|delay\w*|late"
)
_EMOJI_POS = "😊🙂😀😃😄😁😍🥰👍🙏❤💯⭐🌟👏🎉💙💚💜🤩☺♥"
_EMOJI_NEG = "😡😠👎😞😢🤬😤😒🙄💩"
_SCOPE = r"(?:[^\w.,;:!?]+[\w']+){0,2}?[^\w.,;:!?]+"
# One pass, leftmost first: phrases, then negated cues (negator and cue consumed together),
# then plain cues. Each named group adds (positive, negative).
_LEXICON = re.compile(
    rf"(?P<phrase_pos>{_PHRASE_POS})|(?P<phrase_neg>{_PHRASE_NEG})"
    rf"|(?P<neutral>{_PHRASE_NEUTRAL})"
    rf"|(?P<neg_pos>\b{_NEGATOR}\b{_SCOPE}(?:{_POS})\b)"
    rf"|(?P<neg_neg>\b{_NEGATOR}\b{_SCOPE}(?:{_NEG})\b)"
    rf"|(?P<pos>\b(?:{_POS})\b|[{_EMOJI_POS}])"
    rf"|(?P<neg>\b(?:{_NEG})\b|[{_EMOJI_NEG}])"
)
_WEIGHT = {
    "phrase_pos": (1, 0),
    "phrase_neg": (0, 1),
    "neutral": (0, 0),
    "neg_pos": (0, 1),
    "neg_neg": (1, 0),
    "pos": (1, 0),
    "neg": (0, 1),
}


def positivity(text: str) -> tuple[int, int]:
    """(positive, negative) cue counts of a folded comment, negation applied.

    A negated positive cue ("not helpful") counts as negative, a negated negative cue
    ("no problem", "can't fault") as positive. The window of a negation is two words and
    never crosses punctuation.
    """
    pos = neg = 0
    for m in _LEXICON.finditer(text):
        p, n = _WEIGHT[m.lastgroup]
        pos += p
        neg += n
    return pos, neg


def is_positive(text: str) -> bool:
    """At least one positive cue and no more negative than positive ones (folded text)."""
    pos, neg = positivity(text)
    return pos >= 1 and pos >= neg


# ============================================================================ praise

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

# Promoters only: detractors and passives are never read for praise.
_MEMBER_JOIN, _RESPONSE_TEAM = fact_team("s", "CAST(s.responded_at AS DATE)")
_PROMOTERS_SQL = f"""
SELECT s.response_id, s.responded_at, s.respondent_type, s.agent_id AS response_agent_id,
    {_RESPONSE_TEAM} AS response_team_id, s.nps, s.csat, s.comment
FROM survey_responses s
{_MEMBER_JOIN}
WHERE s.responded_at >= :start AND s.responded_at < :stop
    AND s.comment IS NOT NULL AND trim(s.comment) <> ''
    AND (s.nps >= 9 OR (s.nps IS NULL AND s.csat = 5))
ORDER BY s.responded_at DESC, s.response_id
"""  # noqa: S608 - fixed text (the team rule); every value is bound
_THANKED_SQL = """
SELECT r.response_id, r.agent_id, r.thanked_by, r.thanked_at, r.note
FROM recognitions r JOIN survey_responses s ON s.response_id = r.response_id
WHERE s.responded_at >= :start AND s.responded_at < :stop
"""


_BIND = re.compile(r"(?<![:\w]):(\w+)")


def _read(store: Store, sql: str, params: dict) -> pd.DataFrame:
    """A parameterised read as a DataFrame; on DuckDB straight from its columnar result
    (a year of comments is ~200 k rows: building Python row tuples would dominate)."""
    if not store.is_duckdb:
        return store.frame(sql, params)
    with store.reading() as conn:
        native = conn.connection.driver_connection
        return native.execute(_BIND.sub(r"$\1", sql), params).df()


def _span(first: date, last: date) -> dict:
    return {
        "start": datetime.combine(first, time.min),
        "stop": datetime.combine(last + timedelta(days=1), time.min),
    }


def _empty_praise() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in PRAISE_COLUMNS})


def _resolve(
    candidates: tuple[str, ...],
    response_agent: str | None,
    response_team: str | None,
    teams: dict,
) -> tuple[str | None, list[str]]:
    """(agent, who it could be) for a mention: the only candidate, else the response's own
    agent, else the only candidate in the response's team; else (None, the candidates of
    the response's team when there are several there, otherwise all of them)."""
    if len(candidates) == 1:
        return candidates[0], list(candidates)
    if response_agent in candidates:
        return response_agent, [response_agent]
    same_team = [c for c in candidates if response_team and teams.get(c) == response_team]
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
    responses: pd.DataFrame, matcher: _Matcher, history: membership.History, days: list[date]
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
    team_sets: dict[tuple[tuple[str, ...], date], set] = {}
    for m in matcher.pattern.finditer(folded):
        key = _lookup_key(m.group())
        entry = matcher.entries.get(key)
        if entry is None:
            continue
        candidates, full = entry
        start, end = m.span()
        row = bisect.bisect_right(starts, start) - 1
        floor = starts[row]
        if _in_address(original, start, end):
            continue  # "anna.b@example.com", "www.will.com"
        ra, rt = _none(agents[row]), _none(resp_teams[row])
        teams = history.on(days[row])
        if not full and key in ORDINARY_WORD_NAMES:
            mention = original[start:end]
            if not _capitalised(mention) or _sentence_initial(original, start, floor):
                ceiling = folded.find("\x00", end)
                ceiling = len(folded) if ceiling < 0 else ceiling
                if (candidates, teams.day) not in team_sets:
                    team_sets[candidates, teams.day] = {teams.get(c) for c in candidates} - {None}
                related = ra in candidates or rt in team_sets[candidates, teams.day]
                if not (related and _reads_as_name(folded, start, end, floor, ceiling)):
                    continue
        chosen, could_be = _resolve(candidates, ra, rt, teams)
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
    roster = _roster(store)
    names = tuple(
        (r.agent_id, r.name, _none(r.nickname))
        for r in roster[["agent_id", "name", "nickname"]].itertuples(index=False)
    )
    matcher = _matcher(names)
    responses = _read(store, _PROMOTERS_SQL, _span(first, last))
    if matcher is None or responses.empty:
        return _empty_praise()
    ids = roster["agent_id"].tolist()
    agent_names = dict(zip(ids, roster["name"], strict=True))
    history = membership.History.read(store)
    team_names = _team_names(store)
    days = [stamp.date() for stamp in pd.to_datetime(responses["responded_at"])]
    scan = _scan(responses, matcher, history, days)
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
                "team_id": teams.get(chosen) if chosen else _none(cols["response_team_id"][row]),
                "team_name": team_names.get(teams.get(chosen)) if chosen else None,
                "response_agent_id": _none(cols["response_agent_id"][row]),
                "respondent_type": cols["respondent_type"][row],
                "nps": _none(cols["nps"][row]),
                "csat": _none(cols["csat"][row]),
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


def _team_names(store: Store) -> dict[str, str]:
    """team_id -> the team's name (its id when it has none)."""
    return dict(store.rows("SELECT team_id, coalesce(name, team_id) FROM teams"))


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
    thanks = store.frame(_THANKED_SQL, _span(first, last))
    notes = {
        (r.response_id, r.agent_id): (r.thanked_by, r.thanked_at, _none(r.note))
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


# ============================================================================ thank-you loop


def _now(store: Store) -> datetime:
    return datetime.now(store.settings.tz).replace(tzinfo=None, microsecond=0)


def mark_thanked(
    store: Store, response_id: str, agent_id: str, *, thanked_by: str, note: str | None = None
) -> None:
    """Record that the agent was thanked for this praise (who, when, an optional note).

    Idempotent per (response_id, agent_id): marking again replaces who, when and the note.
    """
    who = (thanked_by or "").strip()
    if not who:
        raise ValueError("say who thanked the agent (thanked_by is empty)")
    note = (note or "").strip() or None
    with store.transaction() as conn:
        found = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM survey_responses WHERE response_id = :r), "
                "(SELECT count(*) FROM agents WHERE agent_id = :a)"
            ),
            {"r": response_id, "a": agent_id},
        ).one()
        if not found[0]:
            raise ValueError(f"no survey response `{response_id}`")
        if not found[1]:
            raise ValueError(f"no agent `{agent_id}` in the roster")
        params = {"r": response_id, "a": agent_id, "by": who, "at": _now(store), "note": note}
        conn.execute(
            text("DELETE FROM recognitions WHERE response_id = :r AND agent_id = :a"), params
        )
        conn.execute(
            text(
                "INSERT INTO recognitions (response_id, agent_id, thanked_by, thanked_at, note) "
                "VALUES (:r, :a, :by, :at, :note)"
            ),
            params,
        )


def unmark_thanked(store: Store, response_id: str, agent_id: str) -> None:
    """Take a thank-you mark back (the praise returns to "new")."""
    with store.transaction() as conn:
        conn.execute(
            text("DELETE FROM recognitions WHERE response_id = :r AND agent_id = :a"),
            {"r": response_id, "a": agent_id},
        )


# ============================================================================ report


def stars_report(store: Store, period: Period | str, *, team: str | None = None) -> dict:
    """The JSON of `cxmetrics stars`: stars, most improved and named praise of a period."""
    p = _period(period)
    star_keys = ("agent_id", "name", "team_id", "metric", "value", "n", "ci_low", "ci_high")
    improved_keys = (*star_keys, "previous", "delta", "p_value")
    praise = find_praise(store, p.start, p.end, team=team)
    return {
        "period": p.label,
        "stars": [
            {k: v for k, v in s.to_dict().items() if k in star_keys}
            for s in stars(store, p, team=team)
        ],
        "most_improved": [
            {k: v for k, v in s.to_dict().items() if k in improved_keys}
            for s in most_improved(store, p, team=team)
        ],
        "praise": [
            {
                "response_id": str(r.response_id),
                "agent_id": _none(r.agent_id),
                "name": _none(r.name),
                "responded_at": pd.Timestamp(r.responded_at).isoformat(),
                "comment": redact(r.comment),
                "thanked": bool(r.thanked),
            }
            for r in praise.itertuples()
        ],
    }
