# ruff: noqa: E501 -- the lexicon is data: one template a line reads better than split strings
"""Labeled corpus of news-like documents with planted reuse at known character offsets.

Stage: ``(n_docs, seed)`` -> documents and ground truth, for ``benchmarks/accuracy.py``.
Nothing is downloaded: a small news grammar below writes every sentence.

Each *story* (a topic, two places, three people) has one or two *sources*, a few
*hosts* that reuse passages of a source, and *distractors* on the same story that
share its names, places and topic words but no sentence. A sentence is a small
structure (subject, verb, object, place, time, clause, speaker, quote) whose words
are alternatives (``{rejected/reject|dismissed/dismiss}``), so that a passage can be
re-rendered: in another outlet's style, with synonyms, with its parts moved.

Kinds of planted reuse (one :class:`Planted` per case, half-open offsets into the
ORIGINAL texts of both documents):

- ``verbatim``: 2-6 consecutive source sentences copied character for character.
- ``light``: the same passage in the host's style (straight or typographic
  quotes, number format, non-breaking spaces), 5-15% of its words replaced by
  synonyms, a comma dropped or a space doubled, and one sentence split in two or
  two merged into one.
- ``heavy``: each sentence reworded -- most words replaced by synonyms, the time
  phrase and the speaker moved, a clause dropped or inserted, and function words
  changed as machine translation changes them ("the" dropped or added, "has said"
  -> "said", "on Tuesday" -> "Tuesday", "will" -> "would").
- ``shuffled``: the passage's sentences verbatim but in another order; each run of
  sentences that keeps its source order is its own case.
- ``boilerplate``: an outlet's footer lines (``Post a Comment``, newsletter and
  share lines, one outlet's long disclaimer); one case per document of the outlet
  after the first, against the first. Not reuse: a detector must not report it as such.

Every sentence written fresh (not a planted copy) is checked against the others
of its topic, so that no two unrelated sentences share most of their words.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Literal, TypeVar

import numpy as np

from dedup.core.records import Document

T = TypeVar("T")
PlantedKind = Literal["verbatim", "light", "heavy", "shuffled", "boilerplate"]
REUSE_KINDS: tuple[PlantedKind, ...] = ("verbatim", "light", "heavy", "shuffled")


@dataclass(frozen=True, slots=True)
class Planted:
    """One planted case; half-open offsets into the original texts of src and host."""

    kind: PlantedKind
    src_id: str
    src_start: int
    src_end: int
    host_id: str
    host_start: int
    host_end: int


# --------------------------------------------------------------------------- grammar

Form = str | tuple[str, str]  # a word or phrase; verbs are (past, base)


@dataclass(frozen=True, slots=True)
class Alt:
    """A word with alternatives; ``idx`` picks the one written."""

    forms: tuple[Form, ...]
    idx: int = 0
    base: bool = False  # verbs: the base form ("reject") instead of the past
    fact: bool = False  # ``{!a|b}``: different facts, not synonyms; drawn once, never swapped

    def text(self) -> str:
        form = self.forms[self.idx]
        return form if isinstance(form, str) else form[1 if self.base else 0]


@dataclass(frozen=True, slots=True)
class Num:
    value: float
    unit: Literal["count", "percent", "money"]


Tok = str | Alt | Num


@dataclass(frozen=True, slots=True)
class Person:
    first: str
    last: str
    female: bool
    role: tuple[Tok, ...]


@dataclass(frozen=True, slots=True)
class Sent:
    """A sentence as parts that a rewrite can reword and move."""

    core: tuple[Tok, ...]
    time: str | Alt | None = None  # a weekday (rendered "on Tuesday") or a phrase
    extra: tuple[str, tuple[Tok, ...]] | None = None  # (conjunction, clause)
    speaker: Person | None = None
    speaker_style: int = 0  # 0 full name, 1 "the role, Name,", 2 "Name, the role,", 3 surname
    quote: bool = False  # core is the speaker's own words
    time_front: bool = False
    speaker_front: bool = False
    on_day: bool = True  # "on Tuesday" rather than "Tuesday"
    say: Alt = field(default_factory=lambda: Alt(("said", "has said", "stated", "noted")))
    theme: str = ""  # the template or object it says something about (one or two a document)


@dataclass(frozen=True, slots=True)
class Style:
    """How an outlet writes: quotes, numbers, spacing, paragraphs, footer."""

    name: str
    curly: bool
    thousands: str  # "," or "\u00a0" or ""
    percent: str  # " percent", " per cent", "%"
    honorific: bool  # "Ms Kovacs" for a surname alone
    nbsp_honorific: bool
    dash_clause: bool  # " -- while ..." instead of ", while ..."
    para_sep: str  # "\n\n" or "\n"
    dateline: bool
    footer: tuple[str, ...]


_OPEN, _CLOSE = "\x01", "\x02"
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_STOP = frozenset(
    "a an the to of in on at for with by and or but as that this its their our we it is are "  # noqa: SIM905
    "was were be has have had will would from not no".split()
)


_SLOT_NAMES = frozenset(
    ["PLACE", "PLACE2", "OBJ", "SUBJ", "V", "VB", "P2", "P3", "N", "CM", "YEAR", "P", "M"]
)


@cache
def _template(template: str) -> tuple[Tok, ...]:
    """Tokens of a template: words, ``{a|b}`` alternatives, and ``{SLOT}`` names."""
    out: list[Tok] = []
    for piece in re.split(r"(\{[^{}]*\})", template):
        if piece.startswith("{"):
            inner = piece[1:-1]
            if inner in _SLOT_NAMES:
                out.append(piece)
            else:
                fact = inner.startswith("!")
                forms = tuple(
                    tuple(f.split("/")) if "/" in f else f for f in inner.lstrip("!").split("|")
                )
                out.append(Alt(forms, fact=fact))  # type: ignore[arg-type]
        else:
            out.extend(piece.split())
    return tuple(out)


def _parse(template: str, slots: Mapping[str, tuple[Tok, ...]]) -> tuple[Tok, ...]:
    """Tokens of a template with its ``{SLOT}`` names filled from ``slots``."""
    out: list[Tok] = []
    for t in _template(template):
        if isinstance(t, str) and t[:1] == "{" and t[1:-1] in _SLOT_NAMES:
            out.extend(slots[t[1:-1]])
        else:
            out.append(t)
    return tuple(out)


class _Rand:
    """A seeded ``numpy.random.Generator``; scalar draws come from a buffer of its draws
    (one numpy call per scalar costs microseconds, and a corpus takes millions)."""

    def __init__(self, seed: int) -> None:
        self.gen = np.random.default_rng(seed)
        self._buf: list[float] = []
        self._pos = 0

    def random(self) -> float:
        if self._pos == len(self._buf):
            self._buf, self._pos = self.gen.random(4096).tolist(), 0
        self._pos += 1
        return self._buf[self._pos - 1]

    def below(self, n: int) -> int:
        return min(int(self.random() * n), n - 1)

    def between(self, lo: int, hi: int) -> int:
        return lo + self.below(hi - lo)

    def pick(self, seq: Sequence[T]) -> T:
        return seq[self.below(len(seq))]

    def weighted(self, seq: Sequence[T], p: Sequence[float]) -> T:
        u, total = self.random(), 0.0
        for x, w in zip(seq, p, strict=True):
            total += w
            if u < total:
                return x
        return seq[-1]

    def permutation(self, n: int) -> list[int]:
        return [int(x) for x in self.gen.permutation(n)]

    def sample(self, n: int, k: int) -> list[int]:
        """``k`` distinct numbers in ``range(n)``."""
        return [int(x) for x in self.gen.choice(n, size=k, replace=False)]


# --------------------------------------------------------------------------- lexicon

_VERBS = (
    "{rejected/reject|dismissed/dismiss|turned down/turn down}",
    "{approved/approve|endorsed/endorse|signed off on/sign off on}",
    "{criticised/criticise|condemned/condemn|attacked/attack}",
    "{postponed/postpone|delayed/delay|put off/put off}",
    "{defended/defend|stood by/stand by|justified/justify}",
    "{called for/call for|demanded/demand|pressed for/press for}",
    "{announced/announce|unveiled/unveil|presented/present}",
    "{questioned/question|challenged/challenge|cast doubt on/cast doubt on}",
    "{welcomed/welcome|praised/praise|hailed/hail}",
    "{reviewed/review|examined/examine|studied/study}",
    "{blocked/block|halted/halt|stopped/stop}",
    "{backed/back|supported/support|endorsed/endorse}",
)
_TIME_PHRASES = (
    "{last week|the previous week|a week ago}",
    "{earlier this month|at the start of the month|in the first days of the month}",
    "{this morning|earlier today|in the morning}",
    "{late last night|overnight|during the night}",
    "{at the weekend|over the weekend}",
)
_QUOTES = (
    "we {will not|are not going to|refuse to} {VB} {OBJ}",
    "we {need|have} to {VB} {OBJ} {quickly|as soon as possible|without delay}",
    "our {position|stance} on {OBJ} {has not changed|remains the same|is unchanged}",
    "nobody {expected|anticipated|foresaw} that {SUBJ} would {VB} {OBJ}",
    "{SUBJ} {made a serious mistake|got it badly wrong|committed a grave error} {on|over|with} {OBJ}",
    "{OBJ} {makes|will make} this {a difficult|a hard|a testing} {moment|time|period} for {PLACE}",
    "the {people|citizens|residents} of {PLACE} {deserve|are owed|have a right to} {clear answers|the truth|honest answers} {about|on} {OBJ}",
)
_MEET = (
    "{P2} {met|held talks with|sat down with} {P3} in {PLACE} to {discuss|review|go over} {OBJ}",
    "{P2} {travelled|went|flew} to {PLACE} to {VB} {OBJ}",
    "{P2} {wrote|sent a letter|addressed a letter} to {P3} {about|regarding|concerning} {OBJ}",
)
_EXTRAS = (
    ("after", "{P2} {met|spoke with|talked to} {P3} {in private|behind closed doors}"),
    ("as", "{P2} {visited|toured|arrived in} {PLACE2}"),
    ("after", "{N} {people|protesters|demonstrators} {marched|rallied|protested} in {PLACE}"),
    ("before", "a {vote|decision|ruling} {expected|due|scheduled} {next week|later this month}"),
    (
        "but",
        "{critics|opponents|sceptics} {said|argued|warned} the {move|decision|step} {came too late|was not enough}",
    ),
    ("while", "{P2} {declined to comment|refused to comment|gave no comment}"),
)
_EXTRA_CONJ_SPLIT = {
    "before": "That came before",
    "after": "That came after",
    "as": "This happened as",
    "amid": "That came amid",
    "despite": "That came despite",
    "while": "Meanwhile,",
    "but": "But",
}


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    subjects: tuple[str, ...]
    objects: tuple[str, ...]
    extras: tuple[tuple[str, str], ...]
    roles: tuple[str, ...]
    numbers: tuple[str, ...]
    quotes: tuple[str, ...]


_TOPICS = (
    Topic(
        "energy",
        (
            "the {energy ministry|ministry of energy}",
            "the {grid operator|network operator}",
            "{gas importers|gas suppliers|import companies}",
            "the {energy regulator|regulator|energy watchdog}",
            "{consumer groups|consumer associations|consumer organisations}",
            "the {state utility|state power company|national utility}",
            "{industrial users|large industrial consumers|heavy industry}",
        ),
        (
            "a {plan|proposal|scheme} to {cap|limit|freeze} {household energy prices|domestic power prices|energy bills for homes}",
            "the {new|revised|latest} {gas tariff|gas price schedule|tariff for gas}",
            "{emergency|urgent|crisis} {subsidies|support payments|aid} for {pensioners|retired people|the elderly}",
            "a {long-term|multi-year|ten-year} {supply contract|supply deal|supply agreement} with {!Norwegian|Algerian|Azerbaijani} {producers|suppliers}",
            "the {closure|shutdown} of the {coal plant|coal-fired power station} near {PLACE}",
            "{rules|regulations} on {windfall taxes|excess profit levies|taxes on windfall profits}",
            "a {pipeline|gas link} {connecting|linking} {PLACE} {with|to} the {coast|port}",
            "{rolling blackouts|planned power cuts|scheduled outages} in {PLACE2}",
        ),
        (
            ("after", "{weeks|months} of {tense|difficult|heated} {talks|negotiations}"),
            (
                "as",
                "{wholesale gas prices|gas prices on wholesale markets} {rose|climbed} {again|once more}",
            ),
            (
                "amid",
                "{fears|concerns|worries} of {shortages|supply shortfalls} {this winter|in the coming winter}",
            ),
            ("despite", "{protests|objections} from {opposition parties|the opposition}"),
            (
                "while",
                "{households|families} {struggled|battled} with {soaring|rising|surging} {bills|costs}",
            ),
        ),
        (
            "{energy minister|minister for energy}",
            "{head|chief executive} of the grid operator",
            "{spokesperson|press officer} for the regulator",
            "{chair|president} of the consumer council",
        ),
        (
            "{N} {households|homes} in {PLACE} {lost power|were left without electricity|were cut off from the grid}",
            "{gas prices|wholesale gas prices} {rose|climbed|jumped} by {P} {in a single day|within a day}",
            "the {support package|aid package|relief scheme} {will cost|is expected to cost|carries a price tag of} {M}",
            "{N} {workers|employees|staff} at the {PLACE} {plant|power station} {face|could face|are facing} {layoffs|job cuts|redundancy}",
        ),
        (
            "{electricity|power} {must remain|has to stay|should remain} affordable for {everyone|all households} whatever happens to {OBJ}",
        ),
    ),
    Topic(
        "transport",
        (
            "the {rail operator|railway company|national railway}",
            "{train drivers|locomotive drivers}",
            "the {transport ministry|ministry of transport}",
            "the {drivers' union|train drivers' union|union}",
            "{commuter groups|passenger associations|commuters' organisations}",
            "the {airport authority|airport operator}",
            "{bus companies|bus operators|coach firms}",
        ),
        (
            "a {strike|walkout|stoppage} over {pay|wages|salaries} and {working hours|shift patterns|rosters}",
            "the {timetable|schedule} for the {new|upgraded|modernised} line to {PLACE}",
            "a {fare|ticket price} {increase|rise|hike} of {P} for {commuters|passengers|travellers}",
            "{plans|proposals} to {close|shut|axe} {rural stations|small stations|branch lines} near {PLACE2}",
            "the {tender|contract} for {new trains|new rolling stock|replacement trains}",
            "a {second runway|new runway|runway extension} at {PLACE} airport",
            "{safety checks|safety inspections|inspections} on {ageing|old|outdated} {bridges|viaducts}",
        ),
        (
            (
                "after",
                "{talks|negotiations} with {management|the employers} {broke down|collapsed|failed}",
            ),
            (
                "as",
                "{thousands of|many} {commuters|passengers} {faced|endured|suffered} {delays|disruption|cancellations}",
            ),
            (
                "amid",
                "{anger|frustration|fury} over {cancelled trains|cancellations|late services}",
            ),
            ("despite", "{warnings|objections} from {business leaders|employers' groups}"),
            (
                "while",
                "{unions|union leaders} {threatened|warned of} {further|more|new} {strikes|walkouts}",
            ),
        ),
        (
            "{transport minister|minister for transport}",
            "{leader|head} of the drivers' union",
            "{spokesperson|press officer} for the rail operator",
            "{director|manager} of the airport",
        ),
        (
            "{N} {trains|services|rail services} {were cancelled|were scrapped|did not run} {across the region|in the region}",
            "{N} {passengers|travellers} {were stranded|were stuck|were left stranded} at {PLACE} station",
            "{punctuality|on-time performance} {fell|dropped|slipped} to {P} {last year|over the past year}",
            "the {upgrade|modernisation|renovation} of the line {will cost|is expected to cost|carries a price tag of} {M}",
        ),
        (
            "{passengers|commuters} {cannot|should not|must not} {pay|foot the bill} for {this dispute|this conflict|the dispute} over {OBJ}",
        ),
    ),
    Topic(
        "floods",
        (
            "{rescue teams|emergency crews|rescuers}",
            "the {meteorological office|weather service|national weather agency}",
            "the {regional government|regional authorities|county authorities}",
            "{firefighters|fire crews|fire brigades}",
            "{farmers|growers|agricultural producers}",
            "the {army|armed forces|military}",
            "{insurers|insurance companies|insurance firms}",
        ),
        (
            "the {evacuation|relocation} of {villages|settlements|communities} along the {river|riverbank} near {PLACE}",
            "{emergency|disaster|crisis} {funds|aid|relief money} for {flooded|inundated|submerged} {towns|districts|areas}",
            "a {red|top-level|highest-level} {warning|alert} for {heavy rain|torrential rain|downpours}",
            "{repairs|reconstruction work} on the {dam|dyke|levee} at {PLACE2}",
            "{compensation|payouts} for {damaged|destroyed|ruined} {crops|harvests|fields}",
            "the {reopening|reopening to traffic} of the {bridge|main road} to {PLACE}",
            "{new|stricter|tougher} {building rules|construction rules} for {flood plains|flood-prone areas}",
        ),
        (
            ("after", "the {river|water level} {burst its banks|overflowed|broke its banks}"),
            ("as", "{water levels|river levels} {continued to rise|kept rising|rose further}"),
            ("amid", "{warnings|forecasts} of {more|further|additional} {rain|storms|downpours}"),
            ("despite", "{criticism|complaints} about {slow|late|delayed} {warnings|alerts}"),
            (
                "while",
                "{volunteers|local people} {filled sandbags|piled up sandbags|built barriers}",
            ),
        ),
        (
            "{head|chief} of the civil protection agency",
            "{mayor|city mayor} of {PLACE}",
            "{regional governor|governor of the region}",
            "{hydrologist|flood expert} at the weather service",
        ),
        (
            "{N} {people|residents|inhabitants} {were evacuated|were moved to safety|had to leave their homes} in {PLACE}",
            "{N} {homes|houses|buildings} {were flooded|were damaged|were under water} {across the region|in the region}",
            "the {damage|cost of the damage} {was estimated at|could reach|may exceed} {M}",
            "the {river|water level} {reached|rose to|hit} {CM} centimetres at {PLACE2}",
        ),
        (
            "{nobody|no one} {remembers|can recall|has seen} {water|flooding|floods} like this in {PLACE} since {YEAR}",
        ),
    ),
    Topic(
        "election",
        (
            "the {electoral commission|election commission|election authority}",
            "{opposition parties|the opposition}",
            "the {ruling coalition|governing coalition|coalition government}",
            "{election observers|international observers|monitors}",
            "the {constitutional court|top court|supreme court}",
            "{pollsters|polling firms|opinion researchers}",
            "the {centre-left|social democratic} party",
        ),
        (
            "the {date|timing} of the {snap election|early election|early vote}",
            "{changes|amendments} to the {electoral law|election law|voting rules}",
            "a {recount|second count|fresh count} of {votes|ballots} in {PLACE}",
            "{rules|regulations} on {campaign financing|party funding|campaign donations}",
            "the {candidate list|list of candidates|slate of candidates} for {PLACE2}",
            "{postal voting|voting by post|mail-in voting} for {citizens|voters} abroad",
            "a {televised debate|TV debate|live debate} between the {leading|main|top} candidates",
        ),
        (
            ("after", "{weeks|months} of {bitter|heated|fierce} {campaigning|debate}"),
            (
                "as",
                "{turnout|voter turnout|participation} {fell|dropped|declined} {sharply|steeply}",
            ),
            ("amid", "{allegations|claims|accusations} of {vote buying|fraud|irregularities}"),
            ("despite", "{protests|complaints} from {smaller parties|minor parties}"),
            (
                "while",
                "{supporters|party supporters} {gathered|rallied|assembled} outside the {parliament|assembly}",
            ),
        ),
        (
            "{leader|head} of the opposition",
            "{chair|president} of the electoral commission",
            "{prime minister|head of government}",
            "{spokesperson|press secretary} for the coalition",
        ),
        (
            "{N} {voters|citizens|people} {signed|backed|put their names to} the {petition|appeal} in {PLACE}",
            "{turnout|voter turnout|participation} {reached|stood at|came to} {P} in {PLACE2}",
            "the {campaign|election campaign} {cost|will cost|is expected to cost} {M}",
            "the party {won|took|secured} {P} of the {vote|ballots cast|votes}",
        ),
        ("the {voters|electorate|people} {will decide|must decide|have the final say} on {OBJ}",),
    ),
    Topic(
        "economy",
        (
            "the {central bank|national bank|monetary authority}",
            "the {finance ministry|ministry of finance|treasury}",
            "{economists|analysts|market analysts}",
            "{exporters|export companies|exporting firms}",
            "{trade unions|labour unions|unions}",
            "the {statistics office|statistical office|national statistics agency}",
            "{retailers|shop owners|store chains}",
        ),
        (
            "a {rise|hike|increase} in {interest rates|borrowing costs|the key rate}",
            "the {draft budget|budget plan|budget proposal} for {next year|the coming year}",
            "{new|fresh|additional} {taxes|levies} on {banks|the banking sector|lenders}",
            "a {freeze|halt|moratorium} on {public sector hiring|state recruitment|hiring in the public sector}",
            "{measures|steps} to {curb|rein in|tame} {inflation|rising prices|price growth}",
            "the {sale|privatisation|sell-off} of the {state airline|national carrier} based in {PLACE}",
            "{subsidies|grants|aid} for {small businesses|small firms|smaller companies} in {PLACE2}",
        ),
        (
            (
                "after",
                "{inflation|consumer price growth} {hit|reached|touched} a {ten-year|decade} high",
            ),
            (
                "as",
                "the {currency|national currency} {weakened|slid|fell} against the {!euro|dollar}",
            ),
            ("amid", "{signs|indications} of a {slowdown|downturn|recession}"),
            ("despite", "{pressure|calls} from {business groups|employers|industry}"),
            ("while", "{wages|salaries|pay} {lagged|trailed|fell} behind {prices|inflation}"),
        ),
        (
            "{finance minister|minister of finance}",
            "{governor|head} of the central bank",
            "{chief economist|lead economist} at a {PLACE} bank",
            "{spokesperson|press officer} for the treasury",
        ),
        (
            "{inflation|consumer price growth|annual inflation} {rose|climbed|accelerated} to {P}",
            "{N} {jobs|positions|posts} {were lost|were cut|disappeared} in {PLACE} {last year|over the year}",
            "the {deficit|budget deficit|shortfall} {reached|stood at|came to} {M}",
            "the {economy|gross domestic product|output} {grew|expanded|increased} by {P}",
        ),
        (
            "{prices|inflation} {must come down|have to fall|need to come down} before we {VB} {OBJ}",
        ),
    ),
    Topic(
        "health",
        (
            "the {health ministry|ministry of health}",
            "{doctors|physicians|medical staff}",
            "{nurses|nursing staff}",
            "the {hospital board|hospital management|hospital trust}",
            "{patient groups|patients' associations|patient organisations}",
            "the {medical association|doctors' association|doctors' chamber}",
            "{pharmacists|chemists|pharmacies}",
        ),
        (
            "{waiting lists|waiting times} for {!hip operations|knee surgery|cataract operations}",
            "the {merger|amalgamation} of the {hospitals|clinics} in {PLACE} and {PLACE2}",
            "a {shortage|lack|scarcity} of {antibiotics|basic medicines|common drugs}",
            "{pay rises|salary increases|wage increases} for {junior doctors|young doctors|trainee doctors}",
            "the {closure|shutdown} of the {maternity ward|maternity unit|birth clinic} in {PLACE}",
            "a {new|national|nationwide} {vaccination campaign|vaccine drive|immunisation programme}",
            "{rules|regulations} on {private clinics|private healthcare|private hospitals}",
        ),
        (
            ("after", "{months|weeks} of {staff shortages|understaffing|staffing problems}"),
            (
                "as",
                "{patients|sick people} {waited|queued} for {hours|many hours} in {emergency rooms|casualty}",
            ),
            ("amid", "a {surge|spike|wave} of {flu|influenza|respiratory} {cases|infections}"),
            ("despite", "{warnings|objections} from {senior doctors|consultants}"),
            (
                "while",
                "{staff|employees|health workers} {worked|did} {double shifts|extra shifts|long shifts}",
            ),
        ),
        (
            "{health minister|minister of health}",
            "{director|head} of the {PLACE} hospital",
            "{president|chair} of the medical association",
            "{spokesperson|press officer} for the nurses",
        ),
        (
            "{N} {patients|people} {are waiting|are still waiting|remain on the list} for {surgery|an operation}",
            "{N} {nurses|nursing staff|nurses and midwives} {left|quit|resigned from} {hospitals|the health service} in {PLACE}",
            "the {new wing|hospital extension|new building} in {PLACE2} {will cost|is expected to cost|carries a price tag of} {M}",
            "{waiting times|waits} {grew|increased|rose} by {P} {last year|over the past year}",
        ),
        (
            "{patients|the sick} {must|have to|should} {come first|be our priority|be put first} when we {decide on|vote on|talk about} {OBJ}",
        ),
    ),
)

_ONCE = frozenset((*_QUOTES, *(x for t in _TOPICS for x in (*t.numbers, *t.quotes))))

_FIRST_F = (
    "Anna",
    "Maria",
    "Elena",
    "Katarina",
    "Ingrid",
    "Sofia",
    "Petra",
    "Lucia",
    "Helena",
    "Marta",
    "Irena",
    "Agnes",
    "Clara",
    "Nadia",
    "Vera",
    "Greta",
    "Lena",
    "Olga",
)
_FIRST_M = (
    "Jan",
    "Pavel",
    "Marek",
    "Tomas",
    "Stefan",
    "Lukas",
    "Andrei",
    "Karl",
    "Mikkel",
    "Piotr",
    "Rui",
    "Jonas",
    "Bruno",
    "Henrik",
    "Milan",
    "Oskar",
    "Viktor",
    "Emil",
)
_LAST = (
    "Kovacs",
    "Novak",
    "Lindqvist",
    "Moreau",
    "Brandt",
    "Horvath",
    "Kowalski",
    "Petrov",
    "Jansen",
    "Ferreira",
    "Rossi",
    "Dvorak",
    "Nielsen",
    "Varga",
    "Schulz",
    "Popescu",
    "Marin",
    "Berg",
    "Keller",
    "Sousa",
    "Weber",
    "Laine",
    "Hansen",
    "Zielinski",
    "Costa",
    "Meyer",
    "Kral",
    "Bakker",
    "Ionescu",
    "Olsen",
    "Fischer",
    "Vidal",
)
_PLACES = (
    "Gdansk",
    "Brno",
    "Graz",
    "Porto",
    "Tampere",
    "Ghent",
    "Bilbao",
    "Cluj",
    "Aarhus",
    "Malmo",
    "Trieste",
    "Kaunas",
    "Rotterdam",
    "Lyon",
    "Linz",
    "Poznan",
    "Split",
    "Turku",
    "Bergen",
    "Plovdiv",
    "Kosice",
    "Leipzig",
    "Valencia",
    "Bologna",
    "Utrecht",
    "Ostrava",
    "Szeged",
    "Tartu",
    "Liege",
    "Braga",
    "Uppsala",
    "Debrecen",
)

_PROPER = frozenset((*_FIRST_F, *_FIRST_M, *_LAST, *_PLACES, *_DAYS, "Ms", "Mr"))

_FOOTER_LINES = (
    ("No comments:", "Post a Comment"),
    ("Subscribe to our weekly newsletter", "Get notified about new articles"),
    ("Share this article", "Share on Facebook | Share on X | Email"),
    ("Follow us on Telegram",),
    ("Facebook Comments",),
    ("Read more:", "Sign up for our morning briefing"),
    (
        "The views and opinions expressed in this article are those of the author and do not "
        "necessarily reflect the views of the editorial board of this website",
    ),
    (),
)
_OUTLETS = (
    "Continental Press",
    "Baltic Wire",
    "Danube Times",
    "The Valley Courier",
    "Northern Ledger",
    "Harbour Post",
    "Civic Desk Blog",
    "Regional Digest",
    "The Morning Brief",
    "Euro Report Online",
)


def _styles(rng: _Rand) -> list[Style]:
    out = []
    for k, name in enumerate(_OUTLETS):
        out.append(
            Style(
                name=name,
                curly=bool(rng.random() < 0.5),
                thousands=(",", "\u00a0", "")[k % 3],
                percent=(" percent", " per cent", "%")[k % 3],
                honorific=bool(k % 2),
                nbsp_honorific=bool(k % 4 == 1),
                dash_clause=k % 5 == 2,
                para_sep="\n" if k % 4 == 3 else "\n\n",
                dateline=k < 3,
                footer=_FOOTER_LINES[k % len(_FOOTER_LINES)],
            )
        )
    return out


# --------------------------------------------------------------------------- sentences


@dataclass(frozen=True, slots=True)
class _Story:
    topic: Topic
    places: tuple[str, str]
    people: tuple[Person, ...]


def _fill(rng: _Rand, toks: tuple[Tok, ...]) -> tuple[Tok, ...]:
    out: list[Tok] = []
    for t in toks:
        if isinstance(t, Alt):
            t = Alt(t.forms, rng.below(len(t.forms)), t.base, t.fact)
            out.append(t.text() if t.fact else t)
        else:
            out.append(t)
    return tuple(out)


class _Slots(dict[str, tuple[Tok, ...]]):
    """Slot fills for one sentence, drawn when a template first asks for them."""

    def __init__(self, rng: _Rand, story: _Story) -> None:
        super().__init__(PLACE=(story.places[0],), PLACE2=(story.places[1],))
        self.rng, self.story, self.object = rng, story, ""

    def __missing__(self, key: str) -> tuple[Tok, ...]:
        rng, t, people = self.rng, self.story.topic, self.story.people
        value: tuple[Tok, ...]
        if key == "OBJ":
            self.object = rng.pick(t.objects)
            value = _parse(self.object, self)
        elif key == "SUBJ":
            value = _parse(rng.pick(t.subjects), self)
        elif key in ("V", "VB"):
            verb = _parse(rng.pick(_VERBS), self)
            self["V"] = verb
            self["VB"] = tuple(replace(v, base=True) if isinstance(v, Alt) else v for v in verb)
            return self[key]
        elif key in ("P2", "P3"):
            p2 = rng.below(len(people))
            p3 = (p2 + 1 + rng.below(len(people) - 1)) % len(people)
            self["P2"], self["P3"] = _name(people[p2]), _name(people[p3])
            return self[key]
        elif key == "N":
            n = rng.between(12, 950) if rng.random() < 0.5 else rng.between(1000, 90000)
            value = (Num(float(n), "count"),)
        elif key == "YEAR":
            value = (str(rng.between(1950, 2000)),)
        elif key == "CM":
            value = (Num(float(rng.between(120, 990)), "count"),)
        elif key == "P":
            value = (Num(round(1.5 + 46.5 * rng.random(), 1), "percent"),)
        else:
            value = (Num(float(rng.between(12, 900)), "money"),)
        self[key] = value
        return value


def _name(p: Person) -> tuple[Tok, ...]:
    return (p.first, p.last)


def _sentence(rng: _Rand, story: _Story) -> Sent:
    t, slots = story.topic, _Slots(rng, story)
    speaker = rng.pick(story.people)
    r = rng.random()
    time: str | Alt | None = None
    if rng.random() < 0.65:
        time = (
            rng.pick(_DAYS)
            if rng.random() < 0.6
            else _fill(rng, _parse(rng.pick(_TIME_PHRASES), slots))[0]
        )
    extra, generic = None, False
    if rng.random() < 0.45:
        k = rng.below(len(t.extras) + len(_EXTRAS))
        conj, body = (t.extras + _EXTRAS)[k]
        extra, generic = (conj, _fill(rng, _parse(body, slots))), k >= len(t.extras)
    if r < 0.42:
        core = _parse("{SUBJ} {V} {OBJ}", slots)
        if rng.random() < 0.4 and not set(story.places) & set(core):
            core = (*core, "in", rng.pick(story.places))
        who = speaker if rng.random() < 0.35 else None
        return _with_style(rng, Sent(_fill(rng, core), time, extra, who, theme=slots.object))
    if r < 0.62:
        template = rng.pick(t.numbers)
        core = _parse(template, slots)
        time = None if "year" in template else time  # "last year" is its own time
        who = speaker if rng.random() < 0.25 else None
        return _with_style(rng, Sent(_fill(rng, core), time, extra, who, theme=template))
    if r < 0.84:
        template = rng.pick(_QUOTES + t.quotes)
        core = _fill(rng, _parse(template, slots))
        extra = None if generic else extra  # generic clauses name people: not in a quote
        return _with_style(rng, Sent(core, None, extra, speaker, quote=True, theme=template))
    core = _parse(rng.pick(_MEET), slots)
    return _with_style(rng, Sent(_fill(rng, core), time, None, theme=slots.object))


def _with_style(rng: _Rand, s: Sent) -> Sent:
    say = 0 if rng.random() < 0.6 else 1 + rng.below(3)
    return replace(
        s,
        speaker_style=rng.weighted(range(4), [0.4, 0.15, 0.15, 0.3]),
        time_front=rng.random() < 0.3,
        speaker_front=rng.random() < (0.25 if s.quote else 0.5),
        on_day=True,
        say=replace(s.say, idx=say),
    )


def _keys(s: Sent) -> set[str]:
    """Content of a sentence for the uniqueness check: word choices, names, numbers."""
    toks: list[Tok] = [*s.core, *(s.extra[1] if s.extra else ())]
    keys = {_choice(t) for t in toks}
    if s.speaker is not None:
        keys.add(s.speaker.last.lower())
    if s.time is not None:
        keys.add(_choice(s.time))
    return keys - _STOP


def _core_keys(s: Sent) -> set[str]:
    """The word choices of a sentence's core."""
    return {_choice(t) for t in s.core} - _STOP


def _choice(t: Tok) -> str:
    """A word, or the first of its alternatives, whichever synonym is written."""
    if isinstance(t, Alt):
        first = t.forms[0]
        return "~" + (first if isinstance(first, str) else first[0])
    return f"#{t.value}" if isinstance(t, Num) else t.lower()


# --------------------------------------------------------------------------- rendering


_A_VOWEL = re.compile(r"\b([Aa]) (?=[aeiou])")


def _words(toks: tuple[Tok, ...], style: Style) -> str:
    """The tokens written out ("a increase" becomes "an increase")."""
    return _A_VOWEL.sub(r"\1n ", _plain_words(toks, style))


def _plain_words(toks: tuple[Tok, ...], style: Style) -> str:
    out = []
    for t in toks:
        if isinstance(t, Alt):
            out.append(t.text())
        elif isinstance(t, Num):
            out.append(_number(t, style))
        else:
            out.append(t)
    return " ".join(out)


def _number(n: Num, style: Style) -> str:
    if n.unit == "percent":
        return f"{n.value:g}{style.percent}"
    if n.unit == "money":
        return f"{n.value:g} million euros"
    v = int(n.value)
    return f"{v:,}".replace(",", style.thousands) if v >= 1000 else str(v)


def _speaker(s: Sent, style: Style) -> str:
    p = s.speaker
    if p is None:
        return ""
    role = _words(p.role, style)
    if s.speaker_style == 1:
        return f"the {role}, {p.first} {p.last},"
    if s.speaker_style == 2:
        return f"{p.first} {p.last}, the {role},"
    if s.speaker_style == 3:
        if style.honorific:
            return (
                ("Ms" if p.female else "Mr") + ("\u00a0" if style.nbsp_honorific else " ") + p.last
            )
        return p.last
    return f"{p.first} {p.last}"


def render(s: Sent, style: Style) -> str:
    """One sentence in an outlet's style, with its final punctuation."""
    body = _words(s.core, style)
    if s.time is not None and not s.time_front:
        body += " " + _time(s)
    if s.extra is not None:
        sep = " \u2014 " if style.dash_clause else ", "
        body += f"{sep}{s.extra[0]} {_words(s.extra[1], style)}"
    spk, say = _speaker(s, style), s.say.text()
    if s.quote:
        q = _cap(body)
        text = (
            f"{spk} {say}: {_OPEN}{q}.{_CLOSE}"
            if s.speaker_front
            else f"{_OPEN}{q},{_CLOSE} {spk} {say}."
        )
    elif spk and s.speaker_front:
        text = f"{spk} {say} {body}."
    elif spk:
        text = f"{body}, {spk} {say}."
    else:
        text = body + "."
    if s.time is not None and s.time_front:
        text = f"{_cap(_time(s))}, {text}"
    return _quotes(_cap(text), style.curly)


def _time(s: Sent) -> str:
    if isinstance(s.time, Alt):
        return s.time.text()
    return f"on {s.time}" if s.on_day else str(s.time)


def _cap(text: str) -> str:
    i = 1 if text[:1] == _OPEN else 0
    return text[:i] + text[i : i + 1].upper() + text[i + 1 :]


def _quotes(text: str, curly: bool) -> str:
    if curly:
        return text.replace(_OPEN, "\u201c").replace(_CLOSE, "\u201d").replace("'", "\u2019")
    return text.replace(_OPEN, '"').replace(_CLOSE, '"')


# --------------------------------------------------------------------------- rewrites


def _other(rng: _Rand, t: Alt) -> Alt:
    """``t`` with another of its alternatives written."""
    return replace(t, idx=(t.idx + 1 + rng.below(len(t.forms) - 1)) % len(t.forms))


def _swap(rng: _Rand, toks: tuple[Tok, ...], p: float) -> tuple[Tok, ...]:
    """Each word with alternatives replaced by another with probability ``p``."""
    return tuple(
        _other(rng, t) if isinstance(t, Alt) and len(t.forms) > 1 and rng.random() < p else t
        for t in toks
    )


def _swap_words(rng: _Rand, sents: list[Sent], share: float) -> list[Sent]:
    """Replace word choices until about ``share`` of the passage's words changed.

    One-word choices go first; a phrase ("turned down") counts all its words.
    """
    target = max(1, round(share * sum(len(render(s, _PLAIN).split()) for s in sents)))
    alts = [
        (k, i, t)
        for k, s in enumerate(sents)
        for i, t in enumerate(s.core)
        if isinstance(t, Alt) and len(t.forms) > 1
    ]
    order = rng.permutation(len(alts))
    order.sort(key=lambda pos: any(" " in _form_text(f) for f in alts[pos][2].forms))
    out = [list(s.core) for s in sents]
    changed = 0
    for pos in order:
        k, i, t = alts[pos]
        new = _other(rng, t)
        cost = max(len(t.text().split()), len(new.text().split()))
        if changed and changed + cost > target:
            continue
        out[k][i] = new
        changed += cost
        if changed >= target:
            break
    return [replace(s, core=tuple(c)) for s, c in zip(sents, out, strict=True)]


def _form_text(form: Form) -> str:
    return form if isinstance(form, str) else form[0]


_PLAIN = Style("plain", False, ",", "%", False, False, False, "\n\n", False, ())


def light_edit(rng: _Rand, sents: list[Sent], host: Style) -> list[str]:
    """The passage in the host's style with small edits; see the module docstring."""
    sents = _swap_words(rng, sents, 0.05 + 0.1 * rng.random())
    texts = [render(s, host) for s in sents]
    texts = _split_or_merge(rng, sents, texts, host)
    k = rng.below(len(texts))
    if rng.random() < 0.5 and ", " in texts[k]:
        commas = [m.start() for m in re.finditer(", ", texts[k])]
        c = rng.pick(commas)
        texts[k] = texts[k][:c] + texts[k][c + 1 :]
    else:
        spaces = [m.start() for m in re.finditer(" ", texts[k])]
        if spaces:
            c = rng.pick(spaces)
            texts[k] = texts[k][:c] + rng.pick(["  ", "\u00a0"]) + texts[k][c + 1 :]
    return texts


def _split_or_merge(rng: _Rand, sents: list[Sent], texts: list[str], style: Style) -> list[str]:
    """One sentence split at its clause ("That came after ..."), or two joined."""
    splittable = [
        (k, s.extra)
        for k, s in enumerate(sents)
        if s.extra is not None and not s.quote and s.speaker is None
    ]
    if splittable and (len(texts) < 2 or rng.random() < 0.5):
        k, (conj, clause) = rng.pick(splittable)
        first = render(replace(sents[k], extra=None), style)
        second = f"{_EXTRA_CONJ_SPLIT[conj]} {_words(clause, style)}."
        return [*texts[:k], first, _quotes(_cap(second), style.curly), *texts[k + 1 :]]
    ends = [k for k in range(len(texts) - 1) if texts[k].endswith(".")]
    if ends:
        k = rng.pick(ends)
        a, b = texts[k], texts[k + 1]
        head = b.split(" ", 1)[0]
        proper = head in _PROPER or not head[:1].isalpha()
        joined = a[:-1] + (", and " if rng.random() < 0.5 else "; ")
        joined += b if proper else b[0].lower() + b[1:]
        return [*texts[:k], joined, *texts[k + 2 :]]
    return texts


def heavy_rewrite(rng: _Rand, sents: list[Sent], host: Style, story: _Story) -> list[str]:
    """Each sentence reworded as a rewrite or a machine translation would; see the docstring."""
    out = []
    for s in sents:
        s = replace(s, core=_swap(rng, s.core, 0.6), say=_swap(rng, (s.say,), 0.6)[0])
        if isinstance(s.time, Alt):
            s = replace(s, time=_swap(rng, (s.time,), 0.8)[0])
        if s.time is not None:
            s = replace(s, time_front=not s.time_front, on_day=bool(rng.random() < 0.4))
        if s.speaker is not None:
            styles = [x for x in range(4) if x != s.speaker_style]
            s = replace(
                s,
                speaker_style=rng.pick(styles),
                speaker_front=not s.speaker_front if not s.quote else s.speaker_front,
            )
        if s.extra is not None and rng.random() < 0.5:
            s = replace(s, extra=None)
        elif s.extra is not None:
            s = replace(s, extra=(s.extra[0], _swap(rng, s.extra[1], 0.6)))
        elif rng.random() < 0.4:
            conj, body = rng.pick(story.topic.extras)  # no third person inside a quote
            s = replace(s, extra=(conj, _fill(rng, _parse(body, _Slots(rng, story)))))
        out.append(_function_words(rng, render(s, host)))
    return out


_ADD_THE = re.compile(
    r"(?:(?<=for )|(?<=with )|(?<=said )|(?<=from ))(officials|authorities|residents|workers|talks|negotiations|"
    r"prices|households|passengers|patients|voters|farmers|unions)\b"
)


def _function_words(rng: _Rand, text: str) -> str:
    """Function-word changes of machine translation: articles, tense, modals."""
    text = re.sub(r"\b(the|The) (?=\w)", lambda m: "" if rng.random() < 0.4 else m.group(), text)
    text = _ADD_THE.sub(lambda m: ("the " if rng.random() < 0.5 else "") + m.group(), text)
    text = re.sub(r"\bhas said\b", "said", text)
    text = re.sub(r"\bwill\b", lambda m: "would" if rng.random() < 0.5 else m.group(), text)
    return _QUOTE_START.sub(lambda m: m.group().upper(), _cap(text))


_QUOTE_START = re.compile(r"(?:^|: )[\"\u201c][a-z]")


# --------------------------------------------------------------------------- documents

Role = Literal["source", "host", "distractor"]


@dataclass(slots=True)
class _Doc:
    id: str
    role: Role
    story: _Story
    style: Style
    sents: list[Sent] = field(default_factory=list)  # a source's sentences, in order
    spans: list[tuple[int, int]] = field(default_factory=list)  # their offsets in text
    text: str = ""
    footer: tuple[int, int] | None = None
    used: list[bool] = field(default_factory=list)  # source sentences already reused


class _Fresh:
    """Fresh sentences, none close to an earlier one of its story.

    Close means: the sentence shares ``max_dice`` (Dice) of its word *choices*
    (a word or any of its synonyms, names, numbers) with another, or its core
    (subject, verb, object; or quote) shares ``max_core_dice`` with another's
    core: what a rewrite of that sentence would look like.
    """

    def __init__(self, rng: _Rand, max_dice: float = 0.6, max_core_dice: float = 0.7) -> None:
        self.rng, self.limits = rng, (max_dice, max_core_dice)
        self.sizes: dict[tuple[int, int], list[int]] = defaultdict(list)
        self.index: dict[tuple[int, int, str], list[int]] = defaultdict(list)

    def __call__(self, story: _Story, themes: Counter[str]) -> Sent:
        """A sentence for a document whose sentences so far have ``themes``."""
        best = self._try(story, themes)
        for _ in range(14):  # then the least close of the tries
            if best[0] < 1.0:
                break
            best = min(best, self._try(story, themes), key=lambda b: b[0])
        _, s, keys = best
        themes[s.theme] += 1
        for k in (0, 1):
            n = len(self.sizes[id(story), k])
            self.sizes[id(story), k].append(len(keys[k]))
            for key in keys[k]:
                self.index[id(story), k, key].append(n)
        return s

    def _try(
        self, story: _Story, themes: Counter[str]
    ) -> tuple[float, Sent, tuple[set[str], set[str]]]:
        s = _sentence(self.rng, story)
        keys = (_keys(s), _core_keys(s))
        closeness = max(self._closeness(id(story), k, keys[k]) for k in (0, 1))
        # A document states each figure or quote once, and an object at most twice.
        closeness += 1.0 if themes[s.theme] >= (1 if s.theme in _ONCE else 2) else 0.0
        return closeness, s, keys

    def _closeness(self, story: int, k: int, keys: set[str]) -> float:
        """Highest Dice with an earlier sentence, over its limit (1 or more is too close)."""
        counts: dict[int, int] = defaultdict(int)
        for key in keys:
            for other in self.index.get((story, k, key), ()):
                counts[other] += 1
        sizes, limit = self.sizes[story, k], self.limits[k]
        return max((2 * c / (len(keys) + sizes[o]) / limit for o, c in counts.items()), default=0.0)


def _story(rng: _Rand) -> _Story:
    topic = rng.pick(_TOPICS)
    a, b = rng.sample(len(_PLACES), 2)
    slots: dict[str, tuple[Tok, ...]] = {"PLACE": (_PLACES[a],), "PLACE2": (_PLACES[b],)}
    lasts = rng.sample(len(_LAST), 3)
    people = []
    for k, last in enumerate(lasts):
        female = bool(rng.random() < 0.5)
        first = rng.pick(_FIRST_F if female else _FIRST_M)
        role = _fill(rng, _parse(topic.roles[(k + rng.below(4)) % len(topic.roles)], slots))
        people.append(Person(first, _LAST[last], female, role))
    return _Story(topic, (_PLACES[a], _PLACES[b]), tuple(people))


def _assemble(rng: _Rand, doc: _Doc, lead: Sent, items: list[str]) -> list[tuple[int, int]]:
    """Write ``doc.text`` from items (sentences or copied passages); their offsets.

    The headline is the start of ``lead``'s core (subject, verb, object).
    """
    style, sep = doc.style, doc.style.para_sep
    head = _words(lead.core, style).split(" ")[: rng.between(5, 9)]
    while len(head) > 3 and (head[-1].lower() in _STOP or head[-1][:1].isdigit()):
        head.pop()
    parts = [_quotes(_cap(" ".join(head)), style.curly), sep]
    pos = len(parts[0]) + len(sep)
    if style.dateline:
        parts.append(f"{doc.story.places[0].upper()} ({style.name}) \u2013 ")
        pos += len(parts[-1])
    spans, in_para, para_len = [], 0, rng.between(1, 5)
    for k, item in enumerate(items):
        if k:
            glue = " "
            if in_para >= para_len:
                glue, in_para, para_len = sep, 0, rng.between(1, 5)
            parts.append(glue)
            pos += len(glue)
        spans.append((pos, pos + len(item)))
        parts.append(item)
        pos += len(item)
        in_para += 1
    if style.footer:
        parts.append(sep)
        pos += len(sep)
        footer = "\n".join(style.footer)
        doc.footer = (pos, pos + len(footer))
        parts.append(footer + "\n")
    doc.text = "".join(parts)
    return spans


def _window(rng: _Rand, src: _Doc, length: int) -> int | None:
    """Start of ``length`` unused source sentences with an unused one on each side."""
    n, used = len(src.used), src.used
    starts = [
        s for s in range(n - length + 1) if not any(used[max(s - 1, 0) : min(s + length + 1, n)])
    ]
    return rng.pick(starts) if starts else None


@dataclass(slots=True)
class _Block:
    kind: PlantedKind
    src: _Doc
    first: int  # first source sentence
    length: int  # source sentences reused
    items: list[str]  # what the host writes
    order: list[int] = field(default_factory=list)  # shuffled: source sentence per item


def _plant(rng: _Rand, host: _Doc, src: _Doc, kind: PlantedKind, length: int) -> _Block | None:
    first = _window(rng, src, length)
    if first is None:
        return None
    for k in range(first, first + length):
        src.used[k] = True
    sents = src.sents[first : first + length]
    if kind == "verbatim":
        items = [src.text[src.spans[first][0] : src.spans[first + length - 1][1]]]
        return _Block(kind, src, first, length, items)
    if kind == "shuffled":
        order = list(range(length))
        while order == sorted(order):
            order = rng.permutation(length)
        items = [src.text[src.spans[first + k][0] : src.spans[first + k][1]] for k in order]
        return _Block(kind, src, first, length, items, order)
    if kind == "light":
        return _Block(kind, src, first, length, light_edit(rng, sents, host.style))
    return _Block(kind, src, first, length, heavy_rewrite(rng, sents, host.style, src.story))


def _cases(host: _Doc, block: _Block, spans: list[tuple[int, int]]) -> list[Planted]:
    """Planted cases of one block; ``spans`` are the host offsets of its items."""
    src, first = block.src, block.first
    if block.kind != "shuffled":
        s_start, s_end = src.spans[first][0], src.spans[first + block.length - 1][1]
        return [Planted(block.kind, src.id, s_start, s_end, host.id, spans[0][0], spans[-1][1])]
    out, run = [], [0]
    for k in range(1, len(block.order) + 1):
        if k < len(block.order) and block.order[k] == block.order[k - 1] + 1:
            run.append(k)
            continue
        lo, hi = first + block.order[run[0]], first + block.order[run[-1]]
        out.append(
            Planted(
                "shuffled",
                src.id,
                src.spans[lo][0],
                src.spans[hi][1],
                host.id,
                spans[run[0]][0],
                spans[run[-1]][1],
            )
        )
        run = [k]
    return out


_KIND_SHARES: dict[PlantedKind, float] = {
    "verbatim": 0.25,
    "light": 0.3,
    "heavy": 0.3,
    "shuffled": 0.15,
}


def make_corpus(n_docs: int = 300, seed: int = 0) -> tuple[list[Document], list[Planted]]:
    """A labeled corpus: documents and the reuse planted in them.

    Parameters
    ----------
    n_docs : int
        Documents to write (at least 3): about 30% sources, 50% hosts, 20%
        same-story distractors.
    seed : int
        Seed of the ``numpy.random.Generator``; the same seed gives the same corpus.

    Returns
    -------
    documents : list of Document
        Sorted by id; ``source`` is the outlet.
    planted : list of Planted
        Reuse cases (kinds ``verbatim``, ``light``, ``heavy``, ``shuffled``) and
        footer cases (``boilerplate``), sorted by host, then host offset.
    """
    if n_docs < 3:
        raise ValueError(f"make_corpus needs n_docs >= 3. Got {n_docs!r} instead.")
    rng = _Rand(seed)
    styles = _styles(rng)
    fresh = _Fresh(rng)
    n_src = max(1, round(0.3 * n_docs))
    n_dist = max(1, round(0.2 * n_docs))
    stories = [_story(rng) for _ in range(max(1, round(n_src / 1.3)))]
    ids = [f"doc{k:04d}" for k in rng.permutation(n_docs)]
    roles: list[Role] = ["source"] * n_src + ["distractor"] * n_dist
    roles += ["host"] * (n_docs - len(roles))
    story_of = [
        k % len(stories) if k < len(stories) else rng.below(len(stories)) for k in range(n_docs)
    ]
    docs = []
    for doc_id, role, k in zip(ids, roles, story_of, strict=True):
        style = styles[rng.below(4)] if role == "source" else rng.pick(styles)
        docs.append(_Doc(doc_id, role, stories[k], style))
    planted: list[Planted] = []
    for doc in docs:
        if doc.role == "source":
            themes: Counter[str] = Counter()
            doc.sents = [fresh(doc.story, themes) for _ in range(rng.between(14, 31))]
            doc.used = [False] * len(doc.sents)
            doc.spans = _assemble(rng, doc, doc.sents[0], [render(s, doc.style) for s in doc.sents])
    for doc in docs:
        if doc.role == "host":
            planted += _write_host(rng, doc, docs, fresh)
        elif doc.role == "distractor":
            themes = Counter()
            sents = [fresh(doc.story, themes) for _ in range(rng.between(8, 31))]
            _assemble(rng, doc, sents[0], [render(s, doc.style) for s in sents])
    planted += _footers(docs)
    planted.sort(key=lambda p: (p.host_id, p.host_start, p.src_id, p.src_start))
    documents = sorted(
        (Document(d.id, d.text, source=d.style.name) for d in docs), key=lambda d: d.id
    )
    return documents, planted


def _write_host(rng: _Rand, host: _Doc, docs: list[_Doc], fresh: _Fresh) -> list[Planted]:
    sources = [d for d in docs if d.role == "source" and d.story is host.story]
    if not sources:
        sources = [d for d in docs if d.role == "source" and d.story.topic is host.story.topic]
    blocks = []
    for _ in range(rng.weighted([1, 2, 3], [0.55, 0.35, 0.1])):
        if not sources:
            break
        src = rng.pick(sources)
        kind: PlantedKind = rng.weighted(list(_KIND_SHARES), list(_KIND_SHARES.values()))
        block = _plant(rng, host, src, kind, rng.between(2, 7))
        if block is not None:
            blocks.append(block)
    if not blocks:
        host.role = "distractor"
    n_free = max(4, rng.between(8, 31) - sum(b.length for b in blocks))
    story = host.story
    themes: Counter[str] = Counter()
    lead = fresh(story, themes)
    free = [render(lead, host.style)]
    free += [render(fresh(story, themes), host.style) for _ in range(n_free - 1)]
    after = sorted(1 + x for x in rng.sample(n_free, len(blocks)))
    items: list[str] = []
    owner: list[int] = []  # block of each item, -1 for fresh sentences
    order = rng.permutation(len(blocks))
    placed = dict(zip([int(a) for a in after], [int(b) for b in order], strict=True))
    for k, sentence in enumerate(free, start=1):
        items.append(sentence)
        owner.append(-1)
        if k in placed:
            items += blocks[placed[k]].items
            owner += [placed[k]] * len(blocks[placed[k]].items)
    spans = _assemble(rng, host, lead, items)
    out = []
    for b, block in enumerate(blocks):
        out += _cases(host, block, [s for s, o in zip(spans, owner, strict=True) if o == b])
    return out


def _footers(docs: list[_Doc]) -> list[Planted]:
    """One boilerplate case per document of an outlet after its first, against the first."""
    by_outlet: dict[str, list[tuple[str, tuple[int, int]]]] = defaultdict(list)
    for d in sorted(docs, key=lambda d: d.id):
        if d.footer is not None:
            by_outlet[d.style.name].append((d.id, d.footer))
    out = []
    for (ref, ref_span), *others in by_outlet.values():
        for doc, span in others:
            out.append(Planted("boilerplate", ref, *ref_span, doc, *span))
    return out
