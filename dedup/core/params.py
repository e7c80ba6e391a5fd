"""ScanParams: every tunable of a scan, with its default and unit, validated once.

Defaults come from the labeled benchmark corpora, never from one seed text; the
README says how each was chosen, the verification thresholds
(``match_similarity``, ``support_similarity``, ``chain_min_score``,
``end_ratio``, ``verbatim_min_words``) included.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from dedup.core.errors import ParamError


def _check_int(name: str, value: object, *, low: int, high: int | None = None) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        bound = f"in [{low}, {high}]" if high is not None else f">= {low}"
        raise ParamError(f"The {name!r} parameter must be an int {bound}. Got {value!r} instead.")


def _check_unit_interval(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise ParamError(
            f"The {name!r} parameter must be a float in [0, 1]. Got {value!r} instead."
        )


def _check_non_negative(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ParamError(f"The {name!r} parameter must be a float >= 0. Got {value!r} instead.")


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanParams:
    """Every knob of :func:`dedup.scan`.

    Parameters
    ----------
    shingle_words : int
        Words per document shingle (document MinHash and Jaccard).
    num_perm : int
        MinHash permutations, for documents and passages.
    seed : int
        Seed of the permutations, as in ``datasketch.MinHash(seed=...)``.
    doc_threshold : float
        LSH Jaccard threshold between documents' shingle sets (near-duplicates).
    passage_threshold : float
        LSH Jaccard threshold between passages' sets of content-word stems; low,
        so that reworded sentences meet; verification then rejects mere topic.
    passage_min_words : int
        Content words a passage needs to be matched on its own.
    match_similarity : float
        Rare-word weighted Dice similarity (IDF weights) a passage pair needs.
    match_containment : float
        Weighted containment of the smaller passage in the larger that also
        accepts a pair (a sentence merged into, or split from, a longer one).
    match_min_weight : float
        Summed IDF weight of shared words a passage pair needs at the least,
        so that two short sentences do not match on one name.
    support_similarity : float
        Weighted Dice a passage pair needs to extend a chain started by a seed
        (a reworded neighbour of a reused sentence); each pair adds its Dice
        minus this to the chain's score.
    chain_min_score : float
        Score (sum over its pairs of Dice - ``support_similarity``) a chain whose
        words are not alike (a ``heavy`` match) needs to be reported: one
        sentence pair on the topic scores too little, several in order enough.
    end_ratio : float
        A support pair at a chain's end is dropped when it is less alike than
        this share of the median likeness of the chain's seeds (a topic neighbour
        beside a copied passage); likeness is word order (difflib's ratio) in a
        chain of edited copies, weighted Dice in a chain of rewordings.
    anchor_bonus : float
        Chain score a passage pair gains when both passages state a figure in
        common (numbers are facts a rewrite keeps); pairs stating only
        different figures are never matched.
    name_penalty : float
        Chain score a passage pair loses when each passage names someone or
        something (a capitalised word) that the other does not contain.
    light_similarity : float
        Word-sequence similarity (difflib ratio) from which a match is ``light``
        rather than ``heavy``; ``verbatim`` needs identical word sequences.
    verbatim_min_words : int
        Words of an identical run that make a sentence-level ``verbatim`` match on
        their own (a copied clause inside otherwise different sentences).
    floor_words : int
        Words of an identical run two documents share that is always reported (the
        verbatim floor), whatever sentences it sits in: as reuse, or as
        ``boilerplate`` when it is a stock phrase of the corpus.
    run_seed_words : int
        Words of the shared n-grams that seed word-level alignment.
    run_gap_words : int
        Words that may stand between two runs of identical words of one
        word-level span, on each side (changed, inserted or dropped words).
    run_min_words : int
        Words inside runs of identical words that a word-level span needs to be
        reported, when it holds no run of ``floor_words``.
    run_min_weight : float
        Summed weight (scaled IDF) of the content words inside those runs that
        such a span needs, so that function words prove nothing.
    run_max_docs : int
        Documents of the corpus that may hold a word n-gram fingerprint for it to
        count as evidence in such a span; one held by more is a stock phrase.
    run_min_rare : int
        Rare fingerprints that the word-level spans of a pair with no sentence match
        need together to be reuse (one formula with a name in it is not).
    heavy_min_share : float
        Score (:func:`dedup.scoring.score.copy_share`) a pair whose reuse is all reworded needs
        to be reported: a reworded sentence alone is what two reports of one event
        share by chance.
    derived_share : float
        Score (:func:`dedup.scoring.score.copy_share`) from which a pair that stands out
        among both documents' pairs is derived as a whole
        (:func:`dedup.scoring.score.derived_pairs`): its alike passages are reported even
        where no passage pair alone is evidence of reuse.
    derived_ratio : float
        How many times the score of each document's next best pair such a pair's score
        must be (a story's copy stands out; a topic neighbour among many does not).
    chrome_max_words : int
        Lines of at most this many words outside a document's body (or repeated
        across documents) are site chrome; matches made only of them are boilerplate.
    boilerplate_min_docs : int
        Documents a short line must appear in to be boilerplate wherever it stands.
    max_bucket : int
        LSH buckets holding more passages than this are skipped (reported), which
        bounds candidate generation for stock phrases shared by very many documents.
    tfidf_floor : float
        TF-IDF cosine from which a pair with no reuse is still reported (and scored):
        a story partly rewritten from another shares few sentences but many words.
    family_containment : float
        Containment (either direction) that puts two documents in one story family.
    """

    shingle_words: int = 5
    num_perm: int = 128
    seed: int = 1
    doc_threshold: float = 0.5
    passage_threshold: float = 0.3
    passage_min_words: int = 3
    match_similarity: float = 0.5
    match_containment: float = 0.75
    match_min_weight: float = 2.0
    support_similarity: float = 0.3
    chain_min_score: float = 0.7
    end_ratio: float = 0.6
    anchor_bonus: float = 0.5
    name_penalty: float = 0.5
    light_similarity: float = 0.6
    verbatim_min_words: int = 14
    floor_words: int = 12
    run_seed_words: int = 3
    run_gap_words: int = 6
    run_min_words: int = 10
    run_min_weight: float = 1.5
    run_max_docs: int = 2
    run_min_rare: int = 8
    heavy_min_share: float = 0.15
    derived_share: float = 0.22
    derived_ratio: float = 1.2
    chrome_max_words: int = 8
    boilerplate_min_docs: int = 3
    max_bucket: int = 200
    tfidf_floor: float = 0.2
    family_containment: float = 0.2

    def __post_init__(self) -> None:
        _check_int("shingle_words", self.shingle_words, low=1, high=32)
        _check_int("num_perm", self.num_perm, low=2, high=1024)
        _check_int("seed", self.seed, low=0, high=2**32 - 1)
        _check_int("passage_min_words", self.passage_min_words, low=1)
        _check_int("verbatim_min_words", self.verbatim_min_words, low=1)
        _check_int("floor_words", self.floor_words, low=1)
        _check_int("run_seed_words", self.run_seed_words, low=1, high=32)
        _check_int("run_gap_words", self.run_gap_words, low=0)
        _check_int("run_min_words", self.run_min_words, low=1)
        _check_int("run_max_docs", self.run_max_docs, low=2)
        _check_int("run_min_rare", self.run_min_rare, low=1)
        _check_int("chrome_max_words", self.chrome_max_words, low=0)
        _check_int("boilerplate_min_docs", self.boilerplate_min_docs, low=2)
        _check_int("max_bucket", self.max_bucket, low=2)
        for name in ("doc_threshold", "passage_threshold", "match_similarity",
                     "match_containment", "support_similarity", "end_ratio", "light_similarity",
                     "tfidf_floor", "family_containment", "heavy_min_share",
                     "derived_share"):  # fmt: skip
            _check_unit_interval(name, getattr(self, name))
        for name in ("match_min_weight", "chain_min_score", "anchor_bonus", "name_penalty",
                     "run_min_weight", "derived_ratio"):
            _check_non_negative(name, getattr(self, name))

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> ScanParams:
        """Build from keywords, naming any that is not a parameter."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise ParamError(
                f"Unknown parameter(s) {', '.join(map(repr, unknown))}; "
                f"valid ones: {', '.join(sorted(known))}."
            )
        return cls(**kwargs)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict, for JSON output and for the index's stored parameters."""
        return asdict(self)
