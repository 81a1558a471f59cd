"""Names in comments: the folded form a comparison uses, and the one regex that finds every
roster name in a period's comments.

Names are matched case- and accent-insensitively on word boundaries, as a first name, a full
name ("Silva, Maria" is Maria Silva) or a nickname. `fold` keeps the length of the text, so
a match's position in the folded text is its position in the original. The roster's name
forms are compiled into one trie regex (shared prefixes factored out), so a period's
comments are scanned once whatever the roster's size.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

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


def words(text: str) -> frozenset[str]:
    """The whitespace-separated words of `text`, as a set (for word lists written as text)."""
    return frozenset(text.split())


# Names that are also ordinary words (or short function words): a mention counts only when
# capitalised mid-sentence, as the full name, or read like a name by the response's agent
# or team. Folded forms.
ORDINARY_WORD_NAMES = words(
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


def lookup_key(folded: str) -> str:
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


def _trie_regex(forms: Iterable[str]) -> str:
    """One alternation of `forms` as a trie (shared prefixes factored out, longer first)."""
    trie: dict = {}
    for form in forms:
        node = trie
        for ch in form:
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
class Matcher:
    """The roster's name regex and what each match of it may name."""

    pattern: re.Pattern[str]
    # lookup key -> (candidate agent ids, sorted; True when it is someone's full name)
    entries: dict[str, tuple[tuple[str, ...], bool]]


# A name form longer than this is never looked for in comments: nobody is addressed by a
# longer name, and the trie regex nests a group per branching character.
MAX_NAME_MATCH = 60


@lru_cache(maxsize=8)
def matcher(names: tuple[tuple[str, str, str | None], ...]) -> Matcher | None:
    """The compiled name regex and key table for a roster of (agent_id, name, nickname)."""
    entries: dict[str, list[tuple[str, str]]] = {}
    forms: set[str] = set()
    for agent_id, name, nickname in names:
        full, first = _name_parts(unicodedata.normalize("NFC", name or ""))
        nick = " ".join(unicodedata.normalize("NFC", nickname or "").split())
        for kind, value in (("full", full), ("first", first), ("nick", nick)):
            form = _NAME_SEP.sub(" ", fold(value)).strip(" '")
            key = lookup_key(form)
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
    return Matcher(re.compile(rf"\b{body}\b"), table)
