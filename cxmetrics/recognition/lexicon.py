"""The sentiment lexicon: whether a comment reads positive (cue words, phrases and emoji,
with negation), in one regex pass over the folded text."""

from __future__ import annotations

import re

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
