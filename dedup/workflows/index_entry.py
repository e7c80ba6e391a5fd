"""What the persistent index stores of one document, and of itself.

An :class:`~dedup.workflows.index_store.Entry` per document (signature, band keys, line
hashes, feature counts), and the index's own metadata: its format and a
fingerprint of the text analysis it was built with, checked on open.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter

import numpy as np

from dedup.analysis.analyze import DocAnalysis, analyze
from dedup.candidates.boilerplate import footer_lines
from dedup.candidates.features import doc_signature
from dedup.candidates.lsh import band_keys, band_layout
from dedup.candidates.minhash import signatures
from dedup.core.errors import DedupError, ParamError
from dedup.core.params import ScanParams
from dedup.core.records import Document
from dedup.workflows.index_store import BandKey, Entry, sha

FORMAT = "dedup-index/4"  # layout of the stored tables or keys
_PROBE = "“Ünïcode” — ﬁne\u00a0&amp; CJK 東京. Second sentence, 2026!\n\nNew  paragraph's end."


def analysis_fingerprint() -> str:
    """Hash of what the text analysis makes of a probe text.

    Normalization, tokens, stems and segmentation decide every stored hash, so
    an index built by a version that analyses text differently is refused.
    """
    a = analyze(Document("probe", _PROBE))
    h = hashlib.sha256(a.norm.text.encode())
    for arr in (a.norm.bounds, a.tokens.hashes, a.tokens.stems, a.tokens.content,
                a.passage_starts, a.passage_ends, a.line_hashes):  # fmt: skip
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()[:16]


def entry_of(doc: Document, a: DocAnalysis, params: ScanParams) -> Entry:
    counted = ~footer_lines(a, params)[a.passage_lines] if a.n_passages else np.zeros(0, bool)
    feats = [a.passage_features(int(k)) for k in np.flatnonzero(counted)]
    keyed = [f for f in feats if len(f) >= params.passage_min_words]
    sig = doc_signature(a, params)
    return Entry(
        doc=doc,
        sha=sha(doc.text),
        signature=sig,
        passage_keys=_keys(
            signatures(keyed, num_perm=params.num_perm, seed=params.seed) if keyed else None,
            band_layout(params.passage_threshold, params.num_perm),
        ),
        doc_keys=_keys(sig[None, :], band_layout(params.doc_threshold, params.num_perm)),
        lines=sorted({int(h) for h in a.line_hashes[a.line_words > 0]}),
        features=Counter(int(x) for f in feats for x in f),
        passages=len(feats),
    )


def _keys(sigs: np.ndarray | None, layout: tuple[int, int]) -> list[BandKey]:
    if sigs is None or not len(sigs):
        return []
    keys = band_keys(sigs, *layout)
    bands = np.broadcast_to(np.arange(keys.shape[1]), keys.shape)
    return sorted({(int(b), int(k)) for b, k in zip(bands.ravel(), keys.ravel(), strict=True)})


def check_meta(location: str, meta: dict[str, str]) -> ScanParams:
    found = meta.get("format")
    if found != FORMAT:
        if str(found).startswith("dedup-index/"):
            raise DedupError(f"{location} is a dedup index of format {found}; this version reads "
                             f"{FORMAT}: rebuild it with 'dedup index add'")  # fmt: skip
        raise DedupError(f"{location} is not a dedup index of format {FORMAT} "
                         f"(found {found!r})")  # fmt: skip
    if meta.get("analysis") != analysis_fingerprint():
        raise ParamError(
            f"The index {location} was built with another text normalization "
            f"(fingerprint {meta.get('analysis')}, this version {analysis_fingerprint()}); "
            "rebuild it with this version."
        )
    return ScanParams(**json.loads(meta["params"]))
