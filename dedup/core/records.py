"""Frozen records that flow between the stages and out of :func:`dedup.scan`.

Offsets are half-open character offsets into a document's ORIGINAL text, so
``doc.text[m.a_start:m.a_end]`` is exactly the reused passage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

ReuseKind = Literal["verbatim", "light", "heavy", "boilerplate"]
REUSE_KINDS: tuple[ReuseKind, ...] = ("verbatim", "light", "heavy", "boilerplate")
Relation = Literal["copy", "siblings"]


@dataclass(frozen=True, slots=True)
class Document:
    """One input text.

    ``source`` is the outlet; when no record or rule names one, it is the id
    (each document is then its own outlet). ``origin`` says where the record
    was read (``path`` or ``path:line``). ``extra`` keeps input fields that
    dedup does not use, so that they pass through to the output. ``language``
    is an ISO 639-1 code (``"ur"``); analysis detects it where it is None.
    """

    id: str
    text: str
    source: str = ""
    date: str | None = None
    origin: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
    language: str | None = None

    def __post_init__(self) -> None:
        if not self.source:
            object.__setattr__(self, "source", self.id)


@dataclass(frozen=True, slots=True)
class Passage:
    """A sentence of a document, with its paragraph number."""

    doc: str
    index: int  # position among the document's passages
    start: int
    end: int
    paragraph: int


@dataclass(frozen=True, slots=True)
class Match:
    """Reused text; half-open offsets into the ORIGINAL texts of documents a and b."""

    a: str
    b: str
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    kind: ReuseKind
    score: float  # alignment similarity in [0, 1]
    shared_words: tuple[str, ...] = ()  # rarest words the two sides share, rarest first

    def __post_init__(self) -> None:
        if not (0 <= self.a_start < self.a_end and 0 <= self.b_start < self.b_end):
            raise ValueError(f"empty or reversed span in match {self.a}/{self.b}: {self}")

    def flipped(self) -> Match:
        """The same match seen from b's side."""
        return Match(
            self.b, self.a, self.b_start, self.b_end, self.a_start, self.a_end,
            self.kind, self.score, self.shared_words,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Direction:
    """Who took from whom in a pair with reuse (:mod:`dedup.scoring.attribute`).

    A ``copy`` goes from ``source`` (the earlier, taken-from document) to ``copy``;
    ``siblings`` took from one source, named by ``via``: an outlet that is not in the
    corpus, or the id of a document of the corpus that both copy.
    ``confidence`` in [0, 1] is the weight of the evidence for this reading;
    ``evidence`` names each item that counted, for or against.
    """

    relation: Relation
    source: str | None
    copy: str | None
    via: str | None
    confidence: float
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PairScore:
    """How close two documents are; ``a < b`` by id, ``rank`` 1 is the closest pair.

    ``containment_ab`` is the share of a's characters covered by reuse matches
    with b; ``text_containment_ab`` the share of a's character 5-grams (its text
    without boilerplate lines) found in b; ``score`` the text containment of the copy
    when one of the two is wire copy (:func:`dedup.core.roles.is_wire_copy`), else the
    smaller of the two;
    ``reused_chars`` is the larger of the two covered character counts;
    ``direction`` is None when nothing decides it (and for pairs without reuse).
    """

    a: str
    b: str
    rank: int
    score: float
    tfidf_cosine: float
    jaccard: float
    text_containment_ab: float
    text_containment_ba: float
    containment_ab: float
    containment_ba: float
    reused_chars: int
    direction: Direction | None = None


@dataclass(frozen=True, slots=True)
class BoilerplateSpan:
    """A boilerplate line of a document: half-open offsets into its original text, and how
    many documents, and how many distinct sources, carry the same line in the corpus."""

    start: int
    end: int
    documents: int
    sources: int


@dataclass(frozen=True, slots=True)
class DocumentScore:
    """Per document: length and the shares of it that are reused or boilerplate.

    ``date`` is the date field as read; ``published`` the instant it names, in ISO 8601
    UTC (``2022-01-12T10:00:00Z``, or ``2022-01-12`` for a day), None when not understood.
    ``boilerplate``: its boilerplate lines (``boilerplate_share`` is the share they cover).
    """

    id: str
    source: str
    chars: int
    reused_share: float
    boilerplate_share: float
    family: int | None  # story family number, None when the document shares no story
    date: str | None = None
    published: str | None = None
    language: str = ""  # ISO 639-1 code, given or detected
    boilerplate: tuple[BoilerplateSpan, ...] = ()


@dataclass(frozen=True, slots=True)
class SourceScore:
    """Reuse between two sources (outlets), aggregated over their documents' pairs."""

    a: str
    b: str
    pairs: int  # document pairs with any reuse
    reused_chars_a: int  # characters of a's documents covered by matches with b's
    reused_chars_b: int
    containment_ab: float  # reused_chars_a / characters of all of a's documents
    containment_ba: float
    tfidf_cosine: float  # mean over the source pair's scored document pairs


@dataclass(frozen=True, slots=True)
class SourceFlow:
    """What source ``taker`` takes from source ``giver`` over their directed copy pairs.

    ``chars`` counts the taker's characters covered by matches with the giver's
    documents it copied, in ``documents`` of its documents; ``share`` is ``chars`` over
    those documents' length (the share of the taker's text on these stories).
    """

    taker: str
    giver: str
    documents: int
    chars: int
    share: float


@dataclass(frozen=True, slots=True)
class FamilyEdge:
    """A verified pair of a family, directed from source to copy when attribution decided."""

    source: str
    copy: str
    relation: Relation | None  # None: reuse with no direction decided
    confidence: float
    tree: bool  # the copy's nearest source: the edges with ``tree`` set form the story tree


@dataclass(frozen=True, slots=True)
class Family:
    """Documents that derive from the same story.

    ``origin`` is the earliest member by parsed date, or, without dates, the one member
    every directed edge leads away from; None when neither decides. ``large`` marks a
    family above :data:`dedup.scoring.cluster.LARGE_FAMILY` members (often a false merge).
    """

    id: int
    members: tuple[str, ...]
    origin: str | None
    edges: tuple[FamilyEdge, ...] = ()
    large: bool = False


@dataclass(frozen=True, slots=True)
class CorpusScore:
    """Corpus overlap: how much of all text is reused."""

    documents: int
    chars: int
    reused_chars: int
    reused_share: float
    boilerplate_chars: int
    documents_with_reuse: int


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything a scan found; what the CLI shows and writes is a field of this.

    ``matches`` are oriented ``a < b`` by id and sorted by ``(a, b, a_start, b_start)``;
    ``pairs`` are sorted by rank; ``source_flows`` by characters taken, most first;
    ``params`` is a plain dict of the
    :class:`~dedup.core.params.ScanParams` used; ``stats`` holds run counts
    (documents read, scanned, empty; candidate pairs; LSH buckets skipped).
    """

    documents: tuple[Document, ...]
    document_scores: tuple[DocumentScore, ...]
    pairs: tuple[PairScore, ...]
    matches: tuple[Match, ...]
    sources: tuple[SourceScore, ...]
    families: tuple[Family, ...]
    corpus: CorpusScore
    params: Mapping[str, Any]
    stats: Mapping[str, int]
    source_flows: tuple[SourceFlow, ...] = ()

    def document(self, doc_id: str) -> Document:
        """The input document with this id."""
        for d in self.documents:
            if d.id == doc_id:
                return d
        raise KeyError(doc_id)

    def matches_between(self, a: str, b: str, *, include_boilerplate: bool = False) -> list[Match]:
        """Matches between documents ``a`` and ``b``, oriented ``a -> b``, in ``a`` order."""
        out = []
        for m in self.matches:
            if m.kind == "boilerplate" and not include_boilerplate:
                continue
            if (m.a, m.b) == (a, b):
                out.append(m)
            elif (m.a, m.b) == (b, a):
                out.append(m.flipped())
        return sorted(out, key=lambda m: (m.a_start, m.b_start))

    def pair(self, a: str, b: str) -> PairScore | None:
        """The score of the pair ``{a, b}``, or None if it was not reported."""
        key = (min(a, b), max(a, b))
        return next((p for p in self.pairs if (p.a, p.b) == key), None)
