"""Tokens, content-word features and shingles as hash arrays.

Stage: normalized text -> :class:`Tokens` (spans and 64-bit hashes) -> word
n-gram shingle hashes and content-word feature hashes.

A token's hash is a polynomial over its code points (``sum_j c_j Q^j`` mod
2^64, then mixed), so the same string hashes the same anywhere. With numba a
compiled loop sums it token by token; without, numpy reads it from prefix
sums (``G[i] = sum_{j<i} c_j Q^j``); both give the same values, and there is
no Python work per token or shingle. Chinese and Japanese characters are
tokens of their own, so word shingles over them are character shingles.

A content word is a token that is not an English stopword and is longer than
one character (digits always count). Its feature is its first six characters:
truncation is a crude stemmer, but it needs no language model and merges
``guarantee``/``guarantees``/``guaranteed`` as a reader would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from dedup.normalize import code_points, compiled, njit

try:
    import numba
except ImportError:  # a platform without numba: the numpy path gives the same hashes
    numba = None  # type: ignore[assignment]

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")
_Q = np.uint64(0x100000001B3)  # FNV-64 prime: odd, so invertible mod 2^64
_Q_INV = np.uint64(pow(0x100000001B3, -1, 2**64))
_R = np.uint64(0x9E3779B97F4A7C15)
STEM_CHARS = 6
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


def _char_classes() -> np.ndarray:
    """Token class of every BMP code point: 0 none, 1 word character, 2 CJK character.

    Equal to ``_TOKEN`` on single characters: ``[^\\W_]`` is ``str.isalnum()``.
    """
    chars = "".join(chr(c) if not 0xD800 <= c < 0xE000 else " " for c in range(0x10000))
    classes = np.frombuffer(bytes(c.isalnum() for c in chars), dtype=np.uint8).copy()
    for lo, hi in ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)):
        classes[lo : hi + 1] = 2
    return classes


_CLASSES = _char_classes()


def _token_spans(text: str, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Half-open spans of the ``_TOKEN`` matches of ``text``, int64 arrays.

    ``codes`` are the text's code points. Texts with characters beyond the BMP
    take the regular expression itself.
    """
    if len(codes) and int(codes.max()) > 0xFFFF:
        spans = np.array([m.span() for m in _TOKEN.finditer(text)], dtype=np.int64)
        spans = spans.reshape(-1, 2)
        return spans[:, 0], spans[:, 1]
    return _bmp_token_spans(codes, _CLASSES)


@compiled
def _bmp_token_spans(codes: np.ndarray, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Token spans from the classes of BMP ``codes``: runs of word characters, and each
    CJK character alone. Returns ``(starts, ends)``, int64 arrays."""
    n = len(codes)
    count = 0
    for i in range(n):
        c = classes[codes[i]]
        if c == 2 or (c == 1 and (i == 0 or classes[codes[i - 1]] != 1)):
            count += 1
    starts, ends = np.empty(count, np.int64), np.empty(count, np.int64)
    m = i = 0
    while i < n:
        c = classes[codes[i]]
        j = i + 1
        if c == 1:
            while j < n and classes[codes[j]] == 1:
                j += 1
        if c != 0:
            starts[m], ends[m] = i, j
            m += 1
        i = j
    return starts, ends


def tokenize(text: str) -> Tokens:
    """Tokenize normalized ``text`` and hash every token.

    Returns
    -------
    Tokens
        One entry per token, in text order.
    """
    codes = code_points(text)
    starts, ends = _token_spans(text, codes)
    if numba is not None:
        return Tokens(starts, ends, *_hash_tokens(codes, starts, ends, _STOP_HASHES))
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
    first = codes[starts]
    is_digit = (first >= 48) & (first <= 57)
    at = np.minimum(np.searchsorted(_STOP_HASHES, hashes), len(_STOP_HASHES) - 1)
    content = (((ends - starts) > 1) | is_digit | (first >= 0x3040)) & (_STOP_HASHES[at] != hashes)
    return Tokens(starts, ends, hashes, stems, content)


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


def sequence_hashes(hashes: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Order-sensitive hash of each token-hash sequence ``hashes[lo[k]:hi[k]]``.

    ``fmix64(sum_t hashes[lo + t] * R^(t+1) + (hi - lo))`` mod 2^64, for all
    sequences at once (sequences may be empty, must not overlap).

    Returns
    -------
    ndarray of uint64, shape (len(lo),)
    """
    if numba is not None:
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


if numba is not None:  # the same values as the numpy paths above, without their passes

    @njit()
    def _hash_tokens(codes, starts, ends, stop_hashes):  # type: ignore[no-untyped-def]
        """``(hashes, stems, content)`` of the tokens, as :func:`tokenize` computes them with
        numpy: the polynomial it reads from prefix sums, summed one token at a time."""
        hashes = np.empty(len(starts), np.uint64)
        stems = np.empty(len(starts), np.uint64)
        content = np.empty(len(starts), np.bool_)
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
            lo, hi = 0, len(stop_hashes)  # a loop: numba's searchsorted took 0.7 s to compile
            while lo < hi:  # lo: how many stopwords hash below the token
                mid = (lo + hi) // 2
                if stop_hashes[mid] < hashes[t]:
                    lo = mid + 1
                else:
                    hi = mid
            first = codes[s]
            long_or_digit = e - s > 1 or 48 <= first <= 57 or first >= 0x3040
            stop = lo < len(stop_hashes) and stop_hashes[lo] == hashes[t]
            content[t] = long_or_digit and not stop
        return hashes, stems, content

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


def _stop_hashes() -> np.ndarray:
    text = " ".join(sorted(ENGLISH_STOP_WORDS))
    codes = code_points(text)
    starts, ends = _token_spans(text, codes)
    prefix, inv_powers = _prefix_tables(codes)
    return np.unique(_span_hashes(prefix, inv_powers, starts, ends))


_STOP_HASHES = _stop_hashes()
