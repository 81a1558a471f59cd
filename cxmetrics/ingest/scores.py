"""Scores written as text: a fraction of the scale (9/10), a number beside a label of its
scale (10 - Extremely likely, Not at all likely 0, 5 (Very satisfied)), and for CSAT and
CES the vendors' labels alone (Very satisfied, Neither easy nor difficult).

Text beside a number is read only when it is a label of that scale, so "banana8", "Q9" or
"9 or 10" are never scores; a 7-point satisfaction label is never read as a 5-point CSAT.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from cxmetrics.ingest.specs import Column

# 5-point satisfaction labels (CSAT 1–5) and 7-point ease / agreement labels (CES 1–7).
CSAT_LABELS = {
    "very dissatisfied": 1, "extremely dissatisfied": 1, "very unsatisfied": 1,
    "dissatisfied": 2, "somewhat dissatisfied": 2, "unsatisfied": 2,
    "neither satisfied nor dissatisfied": 3, "neither satisfied or dissatisfied": 3,
    "neutral": 3, "neither": 3,
    "satisfied": 4, "somewhat satisfied": 4,
    "very satisfied": 5, "extremely satisfied": 5,
}  # fmt: skip
CES_LABELS = {
    "very difficult": 1, "extremely difficult": 1, "difficult": 2, "somewhat difficult": 3,
    "neither easy nor difficult": 4, "neither difficult nor easy": 4, "neutral": 4,
    "somewhat easy": 5, "easy": 6, "very easy": 7, "extremely easy": 7,
    "strongly disagree": 1, "disagree": 2, "somewhat disagree": 3,
    "neither agree nor disagree": 4, "somewhat agree": 5, "agree": 6, "strongly agree": 7,
}  # fmt: skip
SCORE_LABELS = {"csat": CSAT_LABELS, "ces": CES_LABELS}
SCORE_HINTS = {"csat": ", or a label such as 'Very satisfied'", "ces": ", or 'Very easy'"}
# Words only 7-point satisfaction scales use, and the labels that are 4/5 on a 5-point scale
# but 5/6 on a 7-point one (a column holding both kinds is a 7-point scale).
_SEVEN_WORDS = r"(?:mostly|completely|slightly|moderately)"
_FIVE_ONLY = ("satisfied", "dissatisfied", "very satisfied", "very dissatisfied")

# Words of each scale's anchors: text beside a score is read only when it is a label of that
# scale (a word of these, or a label of the vendor sets above), so "banana8", "Q9" or
# "9 or 10" are not scores.
SCORE_ANCHORS = {
    "nps": r"\b(?:un)?likely\b|\brecommend",
    "csat": r"satisf|\bneutral\b",
    "ces": r"\beas(?:y|ier|ily|e)\b|\bdifficult|\beffort|\b(?:dis)?agree",
}

_LETTER = "A-Za-z\u00c0-\u024f"
_FRACTION = r"^([0-9]{1,2})(?:[.,]0+)? ?(?:/|out of|of) ?([0-9]{1,2})$"
# A score beside its label: "10 - Extremely likely", "(5) Very satisfied", "Not at all
# likely 0", "Very easy (7)": the number and the words apart by a dash, a colon, brackets
# or spaces; the words letters only (no second number).
_SCORE_NUMBER = r"([0-9]{1,2})(?:[.,]0+)?"
_SCORE_SEP = r"(?: *[-–—:] *| *[(\[] *| *[)\]] *| +)"
_SCORE_WORDS = rf"([{_LETTER}][{_LETTER}'’ ,./&-]*?)"
_LEADING = rf"^[(\[]?{_SCORE_NUMBER}[)\]]?{_SCORE_SEP}{_SCORE_WORDS}[)\]]?[ .!]*$"
_TRAILING = rf"^{_SCORE_WORDS}{_SCORE_SEP}[(\[]?{_SCORE_NUMBER}[)\]]?$"


@dataclass
class ReadScores:
    values: pd.Series  # float, NaN where no score could be read
    wrong_scale: np.ndarray  # "7/10" in a 1–5 column
    seven_point: np.ndarray  # a 7-point satisfaction label in a 5-point CSAT column


def _label_words(words: pd.Series) -> pd.Series:
    return words.str.lower().str.replace(r"[ ]+", " ", regex=True).str.strip(" .!").fillna("")


def _is_scale_label(words: pd.Series, col: Column) -> np.ndarray:
    """Which label texts belong to the column's scale: a word of its anchors, or a label of
    the vendor label set."""
    anchored = words.str.contains(SCORE_ANCHORS[col.name], case=False, regex=True)
    known = _label_words(words).isin(SCORE_LABELS.get(col.name, {}).keys())
    return (anchored.fillna(False) | known).to_numpy(dtype=bool)


def read_scores(text: pd.Series, col: Column) -> ReadScores:
    """Scores written as text: 9/10, and a number beside a label of the scale (10 - Extremely
    likely, Not at all likely 0, 5 (Very satisfied)); and, for CSAT and CES, the labels of a
    5-point satisfaction or 7-point ease / agreement scale alone."""
    n = len(text)
    values = pd.Series(np.nan, index=text.index, dtype="float64")
    wrong = np.zeros(n, dtype=bool)
    seven = np.zeros(n, dtype=bool)
    if not n:
        return ReadScores(values, wrong, seven)
    frac = text.str.extract(_FRACTION)
    has_frac = frac[0].notna().to_numpy()
    if has_frac.any():
        whole = frac[0].astype("float64")
        scale = frac[1].astype("float64")
        on_scale = (scale == col.maximum).to_numpy()
        values[has_frac & on_scale] = whole[has_frac & on_scale]
        wrong = has_frac & ~on_scale
    for pattern, number, words in ((_LEADING, 0, 1), (_TRAILING, 1, 0)):
        todo = values.isna().to_numpy() & ~wrong
        if not todo.any():
            break
        parts = text[todo].str.extract(pattern)
        parts = parts[parts[number].notna().to_numpy()]
        if len(parts):
            labelled = parts[_is_scale_label(parts[words], col)]
            values.loc[labelled.index] = labelled[number].astype("float64")
    labels = SCORE_LABELS.get(col.name)
    todo = values.isna().to_numpy() & ~wrong
    if labels and todo.any():
        low = _label_words(text[todo])
        if col.name == "csat":
            distinct = set(low.unique())
            somewhat = any(v.startswith("somewhat ") for v in distinct)
            is_seven = any(re.search(_SEVEN_WORDS, v) for v in distinct) or (
                somewhat and any(v in _FIVE_ONLY for v in distinct)
            )
            if is_seven:
                known = low.str.contains("satisf", regex=False).to_numpy()
                seven[np.flatnonzero(todo)[known]] = True
                return ReadScores(values, wrong, seven)
        values.loc[low.index] = low.map(labels).astype("float64")
    return ReadScores(values, wrong, seven)
