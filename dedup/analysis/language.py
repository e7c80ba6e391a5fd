"""The language of a document and the stop words of each language.

Stage: original text -> ISO 639-1 code (``"en"``, ``"ur"``, ``"zh"``, ...;
``"und"`` for a text without letters), and a language -> its stop words. Part
of analysis: the stop words decide which tokens are content words.

Detection is py3langid's naive Bayes model over byte n-grams, shipped inside
the package (97 languages, no download). py3langid walks its n-gram automaton
one byte at a time in Python (about 0.3 M characters/s); here the same walk
runs compiled over the first ``SAMPLE_CHARS`` characters and py3langid's model
scores the n-grams it found, so the answer is py3langid's own.

Stop words: scikit-learn's English list for English (the list dedup has always
used), stopwordsiso's for the 57 other languages it covers. A document's stop
words are its language's and English's (quotes, names and datelines in English
are common in news of any language; the scripts of the two seldom share a
word), and only English's for a language without a list.

stopwordsiso's Urdu list comes from a text converted out of a legacy Urdu font
encoding with letters mapped to their neighbours in that encoding: ``ثھی`` for
``بھی``, ``ًہیں`` for ``نہیں``, ``هیں`` for ``میں``. The letters that stand for one
other letter throughout the list (most are not Urdu letters at all: Arabic heh and
yeh, alef maksura, tanween) are read back as that letter (:data:`URDU_LIST_LETTERS`);
those mapped two ways (``و`` is ``و`` or ``م``) are left, and the entries holding
them match no word, as before.
"""

from __future__ import annotations

import functools
import unicodedata

import numpy as np
import stopwordsiso
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from dedup.core.errors import ParamError
from dedup.core.kernels import compiled

SAMPLE_CHARS = 400
UNDETERMINED = "und"
URDU_LIST_LETTERS = str.maketrans({
    "ب": "ا", "ث": "ب", "ة": "ب", "ذ": "د", "ض": "س", "ػ": "ش", "ه": "م",  # noqa: RUF001
    "ً": "ن", "ٌ": "ن", "ى": "ن", "ي": "ن", "ٍ": "ہ",  # noqa: RUF001
})  # fmt: skip


@functools.cache
def _model() -> tuple[LanguageIdentifier, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """py3langid's identifier, its automaton as arrays (next move, row bases, outputs) and
    its log-probabilities as float32 (numpy converts its float16 ones slowly)."""
    ident = LanguageIdentifier.from_model_file(MODEL_FILE)
    nextmove = np.frombuffer(ident.tk_nextmove, dtype=np.uint32)
    rowbase = np.asarray(ident.tk_row, dtype=np.int64) << 8
    output = np.asarray(ident.tk_output, dtype=np.int64)
    return ident, nextmove, rowbase, output, ident.nb_ptc.astype(np.float32)


def detect(text: str) -> str:
    """The language of ``text``, from its first ``SAMPLE_CHARS`` characters.

    Parameters
    ----------
    text : str
        Original document text.

    Returns
    -------
    str
        py3langid's ISO 639-1 code, or ``"und"`` when the sample has no n-gram
        the model knows (no letters).
    """
    ident, nextmove, rowbase, output, log_probs = _model()
    sample = text[:SAMPLE_CHARS]
    if sample.isupper():
        sample = sample.lower()
    data = unicodedata.normalize("NFC", sample).encode("utf-8", "surrogatepass")
    scores = _scores(np.frombuffer(data, dtype=np.uint8), nextmove, rowbase, output, log_probs,
                     ident.nb_pc)  # fmt: skip
    if not len(scores):
        return UNDETERMINED
    return str(ident.nb_classes[int(scores.argmax())])


@compiled
def _scores(data: np.ndarray, nextmove: np.ndarray, rowbase: np.ndarray, output: np.ndarray,
            log_probs: np.ndarray, prior: np.ndarray) -> np.ndarray:  # fmt: skip
    """py3langid's naive Bayes score of each language for the bytes ``data`` (float32), or
    an empty array when the walk of its automaton meets no n-gram of the model.

    The score is ``prior + sum_f log1p(count_f) * log_probs[f]`` over the n-gram
    features ``f`` met, ``count_f`` times each.
    """
    found = np.empty(len(data), np.int64)
    m = state = 0
    for b in data:
        state = nextmove[rowbase[state] + b]
        if output[state] >= 0:
            found[m] = output[state]
            m += 1
    if m == 0:
        return np.empty(0, np.float32)
    found = np.sort(found[:m])
    scores = prior.copy()
    i = 0
    while i < m:
        j = i + 1
        while j < m and found[j] == found[i]:
            j += 1
        weight = np.float32(np.log1p(j - i))
        row = log_probs[found[i]]  # one row read as a vector: the loop below vectorizes
        for k in range(len(scores)):
            scores[k] += weight * row[k]
        i = j
    return scores


def check_language(code: str) -> str:
    """``code`` when it names a language dedup knows: one py3langid detects or stopwordsiso
    has stop words for (ISO 639-1); else a :class:`~dedup.core.errors.ParamError`."""
    known = sorted({*map(str, _model()[0].nb_classes), *stopwordsiso.langs(), "en"})
    if code not in known:
        raise ParamError(f"The 'language' parameter must be an ISO 639-1 code of a language "
                         f"dedup knows ({len(known)}: {', '.join(known)}). "
                         f"Got {code!r} instead.")  # fmt: skip
    return code


def stop_words(language: str) -> frozenset[str]:
    """The stop words of a document in ``language`` (ISO 639-1): its language's list and
    English's, as written in the lists (not normalized)."""
    if language == "en" or not stopwordsiso.has_lang(language):
        return frozenset(ENGLISH_STOP_WORDS)
    listed = stopwordsiso.stopwords(language)
    if language == "ur":
        listed = {word.translate(URDU_LIST_LETTERS) for word in listed}
    return frozenset(ENGLISH_STOP_WORDS) | frozenset(listed)
