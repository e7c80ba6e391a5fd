"""Tokens, content-word features and shingles as hash arrays.

Stage: normalized text -> :class:`Tokens` (spans and 64-bit hashes) -> word
n-gram shingle hashes and content-word feature hashes.

A token's hash is a polynomial over its code points (``sum_j c_j Q^j`` mod
2^64, then mixed), so the same string hashes the same anywhere. With numba a
compiled loop sums it token by token; without, numpy reads it from prefix
sums (``G[i] = sum_{j<i} c_j Q^j``); both give the same values, and there is
no Python work per token or shingle.

A token is a run of letters, digits and combining marks (the vowel signs and
viramas of Indic scripts, Arabic vowel marks, ...). Scripts written without
spaces between words make character tokens, so that word shingles over them
are character shingles: each Chinese or Japanese character is a token, and so
is each letter of Thai, Lao, Khmer and Myanmar with the marks on it. Word
segmenters were weighed and left out: jieba (Chinese) and pythainlp's newmm
(Thai) are pure Python and split about 1 M characters/s or less, a fraction of
the compiled scan; a copied passage shares its character n-grams exactly, and
the IDF weights of alignment make rare characters count more.

Lengths that the scan promises in words (the verbatim floor, the word n-grams of
fingerprints) are measured in ``units``, tenths of a word: a token of a script
written with spaces is a word (10), a Chinese or Japanese character 0.6 of a word
(6), a Thai, Lao, Khmer or Myanmar letter with its marks 0.3 (3). These are the
mean word lengths of running text: 1.62 characters for Chinese and 1.70 for
Japanese (words of Han and kana only, weighted by their frequency in wordfreq
3.1's ``large_zh``/``large_ja`` lists), 3.22 tokens (4.12 code points) for Thai
(pythainlp 5.4's Thai National Corpus frequency list), so that 12 words of any
script are about 12 words of text.

A content word is a token that is not a stop word of the document's language
(:func:`dedup.analysis.language.stop_words`) and is longer than one character (digits,
and the characters of the scripts above, always count). Its feature is its
first six characters: truncation is a crude stemmer, but it needs no language
model and merges ``guarantee``/``guarantees``/``guaranteed`` as a reader would.
In the scripts without spaces a character's feature is the pair of it and the
next character it touches, and the last character of a run has none: one
character names no topic, and Thai's fifty letters as features make every two
passages alike. Only the pairs whose hash is a multiple of ``PAIR_SAMPLE`` are content
words: a pair at every character gave Chinese, Japanese and Thai text five times
English's features per character (0.7 against 0.14), and passage indexes, alignment
weights and TF-IDF terms five times the work. Chosen by value, not place, a copy keeps
the pairs its source kept, and the share of kept pairs two passages have in common
estimates that of all their pairs (Broder 1997, sampling by hash modulo m).
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

import numpy as np

from dedup.analysis.language import stop_words
from dedup.analysis.normalize import fold
from dedup.core.arrays import KeyIndex, unique_sorted
from dedup.core.kernels import NUMBA, code_points, compiled, njit

_Q = np.uint64(0x100000001B3)  # FNV-64 prime: odd, so invertible mod 2^64
_Q_INV = np.uint64(pow(0x100000001B3, -1, 2**64))
_R = np.uint64(0x9E3779B97F4A7C15)
STEM_CHARS = 6
PAIR_SAMPLE = 3  # one character pair in this many is a content word (scripts without spaces)
CHAR_GRAM_CHARS = 5  # characters of the n-grams that compare whole texts (:func:`char_grams`)
_BLOCK_CHARS = 1 << 20  # characters hashed at a time by tokenize


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer, element-wise (a bijection on uint64)."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return np.asarray(h ^ (h >> np.uint64(33)))


@compiled
def fmix64_one(h: np.uint64) -> np.uint64:
    """:func:`fmix64` of one uint64, for compiled loops."""
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    return np.uint64(h ^ (h >> np.uint64(33)))


@dataclass(frozen=True, slots=True)
class Tokens:
    """Tokens of a normalized text: half-open spans and hashes, arrays of equal length."""

    starts: np.ndarray  # int64, offsets into the normalized text
    ends: np.ndarray  # int64
    hashes: np.ndarray  # uint64, hash of the whole token
    stems: np.ndarray  # uint64, hash of the token's first STEM_CHARS characters
    content: np.ndarray  # bool, True for content words
    units: np.ndarray  # int64, the token's length in tenths of a word (WORD_UNITS a word)

    def __len__(self) -> int:
        return len(self.starts)


def _prefix_tables(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Polynomial prefix sums and inverse powers of code points ``codes`` (mod 2^64)."""
    codes = codes.astype(np.uint64)
    with np.errstate(over="ignore"):
        powers = np.cumprod(np.full(len(codes) + 1, _Q, dtype=np.uint64), dtype=np.uint64)
        powers = np.concatenate(([np.uint64(1)], powers[:-2]))
        inv_powers = np.cumprod(np.full(len(codes) + 1, _Q_INV, dtype=np.uint64), dtype=np.uint64)
        inv_powers = np.concatenate(([np.uint64(1)], inv_powers[:-1]))
        prefix = np.concatenate(([np.uint64(0)], np.cumsum(codes * powers, dtype=np.uint64)))
    return prefix, inv_powers


def _span_hashes(prefix: np.ndarray, inv_powers: np.ndarray, starts: np.ndarray,
                 ends: np.ndarray) -> np.ndarray:  # fmt: skip
    """Hash of ``text[s:e]`` for every span: the same string gives the same hash anywhere."""
    with np.errstate(over="ignore"):
        raw = (prefix[ends] - prefix[starts]) * inv_powers[starts]
        return fmix64(raw ^ (ends - starts).astype(np.uint64))


_WORD, _OWN, _LETTER, _MARK = 1, 2, 4, 8  # token classes of characters (0: none)
WORD_UNITS = 10  # a word's length in units; a character's or letter's, below
_CHARACTER_UNITS, _LETTER_UNITS = 6, 3
_IN_WORD = _WORD | _MARK  # what a run of word characters is made of


def _char_class(char: str) -> int:
    """Token class of one character: ``_WORD`` for letters and digits, ``_OWN`` for a
    Chinese or Japanese character, ``_LETTER`` for a letter of Thai, Lao, Khmer or
    Myanmar, ``_MARK`` for a combining mark, 0 for the rest."""
    c = ord(char)
    if 0x3040 <= c <= 0x30FF or 0x3400 <= c <= 0x4DBF or 0x4E00 <= c <= 0x9FFF or (
        0xF900 <= c <= 0xFAFF or 0x20000 <= c <= 0x323AF
    ):
        return _OWN
    if unicodedata.category(char) in ("Mn", "Mc", "Me"):
        return _MARK
    if not char.isalnum():
        return 0
    if 0x0E00 <= c <= 0x0EFF or 0x1780 <= c <= 0x17FF or 0x1000 <= c <= 0x109F:
        return _LETTER
    return _WORD


def _char_classes() -> np.ndarray:
    """:func:`_char_class` of every BMP code point (uint8, shape (65536,))."""
    chars = [chr(c) if not 0xD800 <= c < 0xE000 else " " for c in range(0x10000)]
    return np.array([_char_class(c) for c in chars], dtype=np.uint8)


_CLASSES = _char_classes()
_DIGITS = np.array([chr(c).isdecimal() for c in range(0x10000)], dtype=bool)


def _classes_of(codes: np.ndarray) -> np.ndarray:
    """Token class of each code point of ``codes`` (uint8, same shape)."""
    classes: np.ndarray = _CLASSES[np.minimum(codes, 0xFFFF)]
    beyond = np.flatnonzero(codes > 0xFFFF)
    if len(beyond):
        found = {c: _char_class(chr(c)) for c in set(codes[beyond].tolist())}
        classes[beyond] = [found[c] for c in codes[beyond].tolist()]
    return classes


@compiled
def _token_spans(classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Token spans from the token classes of a text's characters: runs of letters, digits
    and marks, and each ``_OWN`` or ``_LETTER`` character with the marks after it.
    Returns ``(starts, ends)``, int64 arrays."""
    n = len(classes)
    count = 0
    for i in range(n):
        c = classes[i]
        if c & (_OWN | _LETTER) or (c and (i == 0 or not classes[i - 1] & _IN_WORD)):
            count += 1
    starts, ends = np.empty(count, np.int64), np.empty(count, np.int64)
    m = i = 0
    while i < n:
        c = classes[i]
        if c == 0:
            i += 1
            continue
        j = i + 1
        if c & _IN_WORD:
            while j < n and classes[j] & _IN_WORD:
                j += 1
        else:
            while j < n and classes[j] == _MARK:
                j += 1
        starts[m], ends[m] = i, j
        m += 1
        i = j
    return starts[:m], ends[:m]


def tokenize(text: str, language: str = "en") -> Tokens:
    """Tokenize normalized ``text`` and hash every token.

    Parameters
    ----------
    text : str
        Normalized text.
    language : str
        ISO 639-1 code of the text's language, whose stop words are not content words.

    Returns
    -------
    Tokens
        One entry per token, in text order.
    """
    codes = code_points(text)
    classes = _classes_of(codes)
    starts, ends = _token_spans(classes)
    if NUMBA:
        hashes, stems = _hash_tokens(codes, starts, ends)
    else:
        hashes, stems = _numpy_hashes(codes, starts, ends)
    first = np.minimum(codes[starts], 0xFFFF)
    alone = (first >= 0x3040) | (classes[starts] == _LETTER) | _DIGITS[first]
    content = (((ends - starts) > 1) | alone) & (_stop_index(language)(hashes) < 0)
    kind = classes[starts]
    units = np.where(kind == _OWN, _CHARACTER_UNITS,
                     np.where(kind == _LETTER, _LETTER_UNITS, WORD_UNITS)).astype(np.int64)
    spaceless = units < WORD_UNITS
    if spaceless.any():
        stems, content = _pair_features(hashes, stems, content, starts, ends, spaceless)
    return Tokens(starts, ends, hashes, stems, content, units)


@compiled
def _pair_features(hashes: np.ndarray, stems: np.ndarray, content: np.ndarray,
                   starts: np.ndarray, ends: np.ndarray,
                   spaceless: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """``stems`` and ``content`` (new arrays) with the feature of each character of a
    script written without spaces (``spaceless``) the pair of it and the next character
    it touches, a content word when the pair's hash is a multiple of ``PAIR_SAMPLE``, and
    the last character of such a run no content word of its own."""
    n = len(hashes)
    stems, content = stems.copy(), content.copy()
    touched = False  # the token before touches this one
    for t in range(n):
        touches = t + 1 < n and spaceless[t] and spaceless[t + 1] and ends[t] == starts[t + 1]
        if touches:
            stems[t] = fmix64_one(hashes[t] * _R + hashes[t + 1])
            content[t] &= stems[t] % np.uint64(PAIR_SAMPLE) == 0
        elif touched:
            content[t] = False
        touched = touches
    return stems, content


def _numpy_hashes(codes: np.ndarray, starts: np.ndarray,
                  ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Hashes and stem hashes of the tokens ``[starts, ends)`` of ``codes``, from prefix sums."""
    hashes = np.empty(len(starts), dtype=np.uint64)
    stems = np.empty(len(starts), dtype=np.uint64)
    # Prefix tables take 32 bytes a character: build them a block of tokens at a time (a
    # token's hash does not depend on where the block starts), so memory stays bounded.
    cuts = np.searchsorted(starts, np.arange(0, max(len(codes), 1), _BLOCK_CHARS))
    for lo, hi in zip(cuts.tolist(), [*cuts[1:].tolist(), len(starts)], strict=True):
        if lo == hi:
            continue
        first = int(starts[lo])
        prefix, inv_powers = _prefix_tables(codes[first : int(ends[hi - 1])])
        s, e = starts[lo:hi] - first, ends[lo:hi] - first
        hashes[lo:hi] = _span_hashes(prefix, inv_powers, s, e)
        stems[lo:hi] = _span_hashes(prefix, inv_powers, s, np.minimum(e, s + STEM_CHARS))
    return hashes, stems


def shingles(token_hashes: np.ndarray, n: int) -> np.ndarray:
    """Hashes of the word n-grams of a token sequence (one n-gram if there are fewer tokens).

    Parameters
    ----------
    token_hashes : ndarray of uint64, shape (t,)
    n : int
        Tokens per shingle.

    Returns
    -------
    ndarray of uint64, shape (max(t - n + 1, 1),) or (0,) when t == 0
    """
    t = len(token_hashes)
    if t == 0:
        return np.zeros(0, dtype=np.uint64)
    n = min(n, t)
    acc = np.zeros(t - n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            acc = acc * _R + token_hashes[k : t - n + 1 + k]
    return fmix64(acc)


def char_grams(text: str, n: int = CHAR_GRAM_CHARS) -> np.ndarray:
    """Distinct hashes of the character n-grams of ``text`` read as its word characters
    alone (letters, digits and marks, casefolded; spaces and punctuation dropped).

    Spelling variants and words written joined or apart (common in Urdu, whose
    spacing is loose) still share most of their character n-grams; character n-gram
    overlap detects reuse in Urdu better than word n-grams (Sameen et al., "Measuring
    short text reuse for the Urdu language", IEEE Access 6, 2018).

    Returns
    -------
    ndarray of uint64, sorted, distinct; one n-gram when the text holds fewer than
    ``n`` word characters, none when it holds none.
    """
    codes = code_points(text.casefold())
    kept = codes[_classes_of(codes) != 0].astype(np.uint64)
    return unique_sorted(shingles(kept, n))


def sequence_hashes(hashes: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Order-sensitive hash of each token-hash sequence ``hashes[lo[k]:hi[k]]``.

    ``fmix64(sum_t hashes[lo + t] * R^(t+1) + (hi - lo))`` mod 2^64, for all
    sequences at once (sequences may be empty, must not overlap).

    Returns
    -------
    ndarray of uint64, shape (len(lo),)
    """
    if NUMBA:
        return _sequence_hashes(hashes, lo, hi)  # type: ignore[no-any-return]
    lengths = (hi - lo).astype(np.int64)
    if not len(lengths):
        return np.zeros(0, dtype=np.uint64)
    total = int(lengths.sum())
    with np.errstate(over="ignore"):
        powers = np.cumprod(np.full(int(lengths.max(initial=0)), _R, dtype=np.uint64),
                            dtype=np.uint64)  # fmt: skip
        firsts = np.cumsum(lengths) - lengths
        pos = np.arange(total) - np.repeat(firsts, lengths)
        terms = hashes[np.repeat(lo, lengths) + pos] * powers[pos]
        sums = np.zeros(len(lengths), dtype=np.uint64)
        nonempty = lengths > 0
        if total:
            sums[nonempty] = np.add.reduceat(terms, firsts[nonempty], dtype=np.uint64)
        return fmix64(sums + lengths.astype(np.uint64))


if NUMBA:  # the same values as the numpy paths above, without their passes

    @njit()
    def _hash_tokens(codes, starts, ends):  # type: ignore[no-untyped-def]
        """``(hashes, stems)`` of the tokens, as :func:`_numpy_hashes` computes them: the
        polynomial it reads from prefix sums, summed one token at a time."""
        hashes = np.empty(len(starts), np.uint64)
        stems = np.empty(len(starts), np.uint64)
        for t in range(len(starts)):
            s, e = starts[t], ends[t]
            h, power = np.uint64(0), np.uint64(1)
            for j in range(s, e):
                h += np.uint64(codes[j]) * power
                power *= _Q
                if j == s + STEM_CHARS - 1:
                    stems[t] = fmix64_one(h ^ np.uint64(STEM_CHARS))
            if e - s < STEM_CHARS:
                stems[t] = fmix64_one(h ^ np.uint64(e - s))
            hashes[t] = fmix64_one(h ^ np.uint64(e - s))
        return hashes, stems

    @njit()
    def _sequence_hashes(hashes, lo, hi):  # type: ignore[no-untyped-def]
        """:func:`sequence_hashes`, one sequence at a time."""
        out = np.empty(len(lo), np.uint64)
        for k in range(len(lo)):
            h, power = np.uint64(0), np.uint64(1)
            for t in range(lo[k], hi[k]):
                power *= _R
                h += hashes[t] * power
            out[k] = fmix64_one(h + np.uint64(hi[k] - lo[k]))
        return out


@functools.cache
def _stop_index(language: str) -> KeyIndex:
    """Positions in :func:`stop_hashes` (a hash table: every token is looked up)."""
    return KeyIndex(stop_hashes(language))


@functools.cache
def stop_hashes(language: str) -> np.ndarray:
    """Sorted unique token hashes of the stop words of a document in ``language`` (uint64;
    a list's entries that normalize to more than one token are left out)."""
    hashes = []
    for word in sorted(stop_words(language)):
        codes = code_points(fold(word))
        starts, ends = _token_spans(_classes_of(codes))
        if len(starts) == 1 and starts[0] == 0 and ends[0] == len(codes):
            hashes.append(_numpy_hashes(codes, starts, ends)[0][0])
    return np.unique(np.array(hashes, dtype=np.uint64))
