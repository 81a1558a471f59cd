"""Whether a mention of a name that is also an ordinary word (Will, Hope, Mark …) reads as
a name, from the text around it; and whether a mention sits inside an e-mail or web address.

Such a mention counts when it is capitalised mid-sentence; otherwise only when its context
reads like a name ("thanks to will", "will was brilliant", "will's patience") and not like
the word ("i will", "to bill me").
"""

from __future__ import annotations

import re

from cxmetrics.recognition.names import words

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
_WORD_BEFORE = words(
    "i we you they he she it who that which this there what what's i'll you'll "
    "i'd we'd would could should might must can shall also still just really only "
    "definitely certainly probably surely"
)
# Words after a mention that make it read as a name ("will was", "hope sorted").
_CUE_AFTER = words(
    "was is were has had did does went made got took gave helped sorted fixed solved "
    "resolved explained answered called rang listened understood managed handled dealt "
    "kept stayed showed found knew really truly who from at in on deserves deserved "
    "needs should rocks rocked"
)
# Words after a mention that make it read as an ordinary word ("to bill me", "mark the").
_WORD_AFTER = words("me my the a an it us our your you this that them his her their be not")
_WORD = re.compile(r"[\w']+")


def sentence_initial(text: str, start: int, floor: int) -> bool:
    """True when nothing but quotes and spaces stand between a sentence break and `start`."""
    i = start - 1
    while i >= floor and text[i] in _SKIP_BACK:
        i -= 1
    return i < floor or text[i] in _SENTENCE_BREAK


_TOKEN_EDGE = set(" \t\r\n\x00\"'“”‘’«»()[]{}<>,;!?")


def in_address(text: str, start: int, end: int) -> bool:
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


def capitalised(mention: str) -> bool:
    """True for "Will", not for "will" or an all-capitals "WILL"."""
    return mention[:1].isupper() and not (len(mention) > 1 and mention.isupper())


def reads_as_name(folded: str, start: int, end: int, floor: int, ceiling: int) -> bool:
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
