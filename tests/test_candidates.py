"""The candidate stage: copies still meet when no single word is rare, stock words stay out."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest
from helpers import seed_documents
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

import dedup
from dedup.analysis.analyze import analyze
from dedup.analysis.shingle import fmix64
from dedup.candidates.evidence import _passage_totals, _shared_weights, passage_evidence
from dedup.candidates.feature_table import corpus_tables, is_member
from dedup.candidates.features import (
    DocFeatures,
    bigram_rows,
    doc_features,
    feature_batch,
    features_of,
)
from dedup.candidates.lsh import band_keys, band_layout
from dedup.candidates.passage_lsh import _KEYS_BYTES, band_groups, passage_band_keys
from dedup.candidates.similarity import is_evidence, passage_similarity
from dedup.core.arrays import first_rows, sort_values, union_sorted, unique_inverse, unique_sorted
from dedup.core.params import ScanParams
from dedup.core.records import Document
from dedup.scoring.score import cosine_pairs, tfidf_matrix

# A vocabulary small enough that, in the corpus below, every content word is in more
# passages than max_bucket (no stem is "rare", as at 100,000 news articles on few
# topics), yet each is in few enough for its IDF to weigh as evidence.
_WORDS = [f"{a}{b}{c}" for a in ("ba", "ko", "mi", "te", "su") for b in ("ran", "los", "vet",
          "dim", "pok", "zul") for c in ("ta", "mo", "ri", "ne", "ku", "sa", "lo", "fe",
          "gi", "po")]  # fmt: skip


def _sentence(rng: np.random.Generator) -> str:
    words = [str(w) for w in rng.choice(_WORDS, int(rng.integers(10, 16)))]
    return " ".join(words).capitalize() + "."


def _text(rng: np.random.Generator, sentences: int) -> str:
    return " ".join(_sentence(rng) for _ in range(sentences))


def test_a_light_copy_is_found_when_no_stem_is_rare() -> None:
    rng = np.random.default_rng(5)
    docs = [Document(f"d{k:02}", _text(rng, 8)) for k in range(60)]
    source = _text(rng, 4)
    words = source.split()
    words[7] = "reporters"  # a light edit: one word of the copy replaced
    # Each side has text of its own, so the documents are not near-duplicates as a whole.
    docs += [Document("origin", _text(rng, 6) + "\n\n" + source),
             Document("copy", " ".join(words) + "\n\n" + _text(rng, 6))]  # fmt: skip
    result = dedup.scan(docs, workers=1, max_bucket=5)
    reused = {(m.a, m.b) for m in result.matches if m.kind != "boilerplate"}
    assert ("copy", "origin") in reused
    match = next(m for m in result.matches if {m.a, m.b} == {"copy", "origin"})
    start = match.a_start if match.a == "copy" else match.b_start
    end = match.a_end if match.a == "copy" else match.b_end
    assert docs[-1].text[start:end].split()[-3:] == words[-3:]
    # No stem is rare here: the pair met through stem bigrams only.
    counts: dict[str, int] = {}
    for d in docs:
        for w in set(d.text.lower().replace(".", "").split()):
            counts[w] = counts.get(w, 0) + 1
    assert min(counts[w] for w in _WORDS) > 5


def test_passages_with_one_rare_feature_stay_out_of_an_index_needing_two() -> None:
    params = ScanParams()
    passage = np.array([0, 0, 1, 1, 1, 2, 2], dtype=np.int64)
    feature = np.arange(1, 8, dtype=np.uint64)
    rare = np.array([True, False, True, True, False, True, True])
    eligible = np.ones(3, dtype=bool)
    members, keys = passage_band_keys(passage, feature, rare, 3, params, min_size=2,
                                      eligible=eligible)  # fmt: skip
    assert members.tolist() == [1, 2]
    alone, _ = passage_band_keys(passage, feature, rare, 3, params, min_size=1,
                                 eligible=eligible)  # fmt: skip
    assert alone.tolist() == [0, 1, 2]
    # Passage 1's keys are those of the MinHash of its rare features only (rows 2 and 3).
    sig = dedup.candidates.minhash.signatures([feature[2:4]], num_perm=params.num_perm,
                                              seed=params.seed)
    np.testing.assert_array_equal(keys[0], band_keys(sig, *band_layout(0.3, params.num_perm))[0])


def test_unique_inverse_equals_numpy_unique() -> None:
    rng = np.random.default_rng(3)
    for n in (0, 10, 200_000):  # 200,000 rows take the hash-table path
        distinct = rng.integers(0, 2**64 - 1, max(n // 20, 1), dtype=np.uint64)
        values = distinct[rng.zipf(1.5, n) % len(distinct)]
        values[: min(n, 3)] = 0  # zero is a key like any other
        got = unique_inverse(values)
        expected = np.unique(values, return_inverse=True, return_counts=True)
        for g, e in zip(got, expected, strict=True):
            np.testing.assert_array_equal(g, e)


def test_union_of_sorted_distinct_codes_equals_numpy_union_and_empties_its_input() -> None:
    rng = np.random.default_rng(5)
    parts = [np.unique(rng.integers(0, 5000, n)) for n in (0, 1, 700, 3000, 40)]
    parts.append(parts[3][::7].copy())  # values also in another part
    expected = np.unique(np.concatenate(parts))
    given = list(parts)
    got = union_sorted(given)
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == np.int64 and given == []


def test_tfidf_of_term_hashes_equals_scikit_learn_on_the_words() -> None:
    docs = seed_documents()
    feats = [features_of(analyze(d), ScanParams()) for d in docs]
    analyses = [analyze(d) for d in docs]
    words = [[a.norm.text[s:e] for s, e, c in zip(a.tokens.starts.tolist(), a.tokens.ends.tolist(),
                                                    a.tokens.content.tolist(), strict=True)
              if c] for a in analyses]  # fmt: skip
    ours = tfidf_matrix([f.terms for f in feats])
    theirs = TfidfVectorizer(analyzer=lambda w: w, sublinear_tf=True).fit_transform(words)
    np.testing.assert_allclose((ours @ ours.T).toarray(), (theirs @ theirs.T).toarray(),
                               atol=1e-12)  # fmt: skip
    assert ours.shape == theirs.shape


def test_cosine_of_candidates_above_the_all_pairs_size_equals_row_products() -> None:
    x = sparse.random(6000, 300, density=0.02, format="csr", random_state=1)
    rng = np.random.default_rng(1)
    pairs = {(int(i), int(j)) for i, j in rng.integers(0, 6000, (500, 2)) if i < j}
    got = cosine_pairs(x, pairs, floor=0.3)
    dense = x.toarray()
    assert set(got) == pairs  # above 5,000 documents: the candidates only
    for (i, j), v in got.items():
        assert v == pytest.approx(float(dense[i] @ dense[j]), abs=1e-12)


def test_cosine_of_all_pairs_is_every_pair_over_the_floor_and_every_candidate() -> None:
    x = tfidf_matrix([f.terms for f in (doc_features(d, ScanParams()) for d in seed_documents())])
    dense = (x @ x.T).toarray()
    candidates = {(0, 2), (2, 4)}  # cosines 0.31 and 0.26 on the seeds
    got = cosine_pairs(x, candidates, floor=0.3)
    over = {(i, j) for i in range(len(dense)) for j in range(i + 1, len(dense))
            if dense[i, j] >= 0.3}  # fmt: skip
    assert (2, 4) not in over and len(over) > 1
    assert set(got) == over | candidates
    for (i, j), v in got.items():
        assert v == pytest.approx(dense[i, j], abs=1e-12)


def test_feature_weights_are_the_idf_of_known_features_and_one_for_others() -> None:
    feats = [doc_features(d, ScanParams()) for d in seed_documents()]
    stems, _, _ = corpus_tables(list(feats[:3]), [np.ones(f.n_passages, bool) for f in feats[:3]])
    weights = stems.weights()
    asked = np.concatenate([f.stems for f in feats])  # two documents' stems partly unseen
    known = {k: v for k, v in zip(stems.keys.tolist(), stems.idf().tolist(), strict=True)}
    expected = [known.get(k, 1.0) for k in asked.tolist()]
    assert 0 < sum(k in known for k in asked.tolist()) < len(asked)
    copy = pickle.loads(pickle.dumps(weights))  # a worker's copy, before any lookup
    assert weights(asked).tolist() == expected == copy(asked).tolist()
    assert pickle.loads(pickle.dumps(weights))(asked).tolist() == expected  # after one


def test_shared_and_total_weights_equal_set_sums_in_row_order() -> None:
    rng = np.random.default_rng(3)
    sizes = rng.integers(0, 12, 300)
    key = np.concatenate([np.sort(rng.choice(40, int(n), replace=False)) for n in sizes])
    starts = np.concatenate(([0], np.cumsum(sizes)))
    idf = rng.random(40)
    pairs = rng.integers(0, len(sizes), (2000, 2))
    shared, totals = np.zeros(len(pairs)), np.zeros(len(sizes))
    _shared_weights(starts, key, idf, pairs, shared)
    _passage_totals(starts, key, idf, totals)
    for k, (p, q) in enumerate(pairs.tolist()):
        rows_p, rows_q = key[starts[p] : starts[p + 1]], key[starts[q] : starts[q + 1]]
        assert shared[k] == sum((idf[x] for x in rows_p if x in set(rows_q.tolist())), 0.0)
        assert totals[p] == sum((idf[x] for x in rows_p), 0.0)
        assert totals[q] == sum((idf[x] for x in rows_q), 0.0)


def test_evidence_pretest_keeps_every_passage_pair_alignment_accepts() -> None:
    docs = sorted(seed_documents(), key=lambda d: d.id)
    params = ScanParams()
    feats = [features_of(analyze(d), params) for d in docs]
    usable = [np.ones(f.n_passages, bool) for f in feats]
    stems = corpus_tables(list[DocFeatures | None](feats), usable)[0]
    starts = np.concatenate(([0], np.cumsum([f.n_passages for f in feats])))
    weights = stems.weights()
    accepted = 0
    for i, j in [(0, 1), (0, 4), (2, 3), (1, 4)]:
        a, b = analyze(docs[i]), analyze(docs[j])
        sim = passage_similarity(a, b, weights, usable_a=usable[i], usable_b=usable[j],
                                 keep=lambda s: np.ones(len(s.p), bool))  # fmt: skip
        exact = is_evidence(sim.shared, sim.dice, sim.containment, params)
        pairs = np.stack([sim.p + starts[i], sim.q + starts[j]], axis=1)
        pretest = passage_evidence(stems.evidence_table(), pairs, params)
        assert not (exact & ~pretest).any()
        assert (pretest & ~exact).sum() <= 1  # only the rounding slack may differ
        accepted += int(exact.sum())
    assert accepted > 5  # the seeds share several sentences: the check is not vacuous


def test_a_feature_batch_unpacks_to_each_documents_own_features() -> None:
    params = ScanParams()
    docs = [*seed_documents(), Document("empty", ""), Document("one", "Word."),
            Document("spaces", " \n\u00a0 ")]  # fmt: skip
    unpacked = feature_batch(docs, params).unpack(docs)
    for doc, got in zip(docs, unpacked, strict=True):
        want = doc_features(doc, params)
        assert got.doc == want.doc and got.doc.id == doc.id and got.n_tokens == want.n_tokens
        for field in dataclasses.fields(DocFeatures):
            if field.name not in ("doc", "n_tokens"):
                a, b = getattr(got, field.name), getattr(want, field.name)
                narrowed = a.dtype == np.int16 and b.dtype == np.int32  # passage numbers
                assert a.dtype == b.dtype or narrowed, (doc.id, field.name)
                assert np.array_equal(a, b), (doc.id, field.name)


def test_bigram_rows_are_each_passages_distinct_adjacent_content_stem_pairs() -> None:
    r = np.uint64(0x9E3779B97F4A7C15)
    for doc in seed_documents():
        a = analyze(doc)
        passages = np.arange(0, a.n_passages, 2)  # every other passage, renumbered 0..
        owner, grams = bigram_rows(a, passages)
        for k, p in enumerate(passages.tolist()):
            lo, hi = a.passage_tok_lo[p], a.passage_tok_hi[p]
            stems = a.tokens.stems[lo:hi][a.tokens.content[lo:hi]]
            with np.errstate(over="ignore"):
                want = np.unique(fmix64(stems[:-1] * r + stems[1:]))
            assert np.array_equal(grams[owner == k], want)
        assert np.all(np.diff(owner) >= 0)


@pytest.mark.parametrize("members", [[0, 0], [287_000, 294_000], [2_950_000, 3_010_000],
                                     [60_000_000, 10]])  # fmt: skip
def test_band_groups_key_every_band_once_within_the_memory_budget(members: list[int]) -> None:
    params = ScanParams()
    n_bands = band_layout(params.passage_threshold, params.num_perm)[0]
    groups = band_groups(members, params)
    for x in range(len(members)):
        keyed = [band for g in groups if x in g for band in g[x]]
        assert keyed == list(range(n_bands))
    for g in groups:
        size = sum(8 * members[x] * len(bands) for x, bands in g.items())
        one_band_alone = len(g) == 1 and all(len(b) == 1 for b in g.values())
        assert size <= _KEYS_BYTES or one_band_alone
    if sum(members) * 8 * n_bands <= _KEYS_BYTES:
        assert len(groups) == 1  # a small corpus keys everything at once: one pool


def test_is_member_equals_isin_with_zero_and_colliding_keys() -> None:
    rng = np.random.default_rng(4)
    keys = np.unique(np.concatenate((rng.integers(0, 2**64, 500, dtype=np.uint64),
                                     np.array([0, 1, 2**63], dtype=np.uint64))))  # fmt: skip
    for n in (3000, 40_000):  # below and above the row count where a hash table is used
        values = np.concatenate((rng.choice(keys, n), keys + np.uint64(1),
                                 rng.integers(0, 2**64, n, dtype=np.uint64)))  # fmt: skip
        np.testing.assert_array_equal(is_member(values, keys), np.isin(values, keys))
        assert not is_member(values, np.zeros(0, np.uint64)).any()


def test_cosine_of_all_pairs_is_scipys_product_to_the_bit() -> None:
    # Columns stored out of order in some rows: a row's sum follows its stored order.
    x = sparse.random(400, 300, density=0.05, format="csr", random_state=2)
    rng = np.random.default_rng(2)
    for r in range(0, 400, 3):
        lo, hi = x.indptr[r], x.indptr[r + 1]
        order = rng.permutation(hi - lo) + lo
        x.indices[lo:hi], x.data[lo:hi] = x.indices[order], x.data[order]
    x.has_sorted_indices = False
    sims = (x @ x.T).tocoo()
    pairs = [((i, j), v) for i, j, v in zip(sims.row.tolist(), sims.col.tolist(),
                                            sims.data.tolist(), strict=True) if i < j]  # fmt: skip
    over = dict(pair for pair in pairs if pair[1] >= 0.3)
    asked = {k for k, v in pairs[::50] if v < 0.3}
    assert len(over) > 100 and len(asked) > 100
    assert cosine_pairs(x, set(), floor=0.0) == dict(pairs)
    assert cosine_pairs(x, asked, floor=0.3) == over | {k: v for k, v in pairs if k in asked}


def test_sort_values_sorts_as_numpy_does_however_the_values_spread() -> None:
    rng = np.random.default_rng(3)
    hashes = rng.integers(0, 2**63, 50_000).astype(np.uint64) * np.uint64(2)
    for values in [hashes, np.concatenate([hashes, np.array([0, 2**64 - 1], np.uint64)]),
                   rng.integers(0, 500, 70_000).astype(np.uint64),  # few distinct, many repeats
                   (rng.pareto(1.0, 30_000) * 1e6).astype(np.uint64),  # most in a few buckets
                   np.full(20_000, 5, np.uint64), rng.integers(0, 10**9, 40_000),  # int64 codes
                   rng.integers(-5, 10**6, 30_000)]:  # fmt: skip
        assert len(values) >= 1 << 14  # large enough for the bucket sort
        ordered = sort_values(values)
        assert ordered.dtype == values.dtype and np.array_equal(ordered, np.sort(values))
        assert np.array_equal(unique_sorted(values), np.unique(values))


@pytest.mark.parametrize("spread", [True, False])
def test_first_rows_are_lexsorts_first_row_of_each_distinct_pair(spread: bool) -> None:
    rng = np.random.default_rng(4)
    n = 60_000
    if spread:  # hashes, each in several rows of several owners, rows in any order
        keys = rng.choice(rng.integers(0, 2**63, n // 3).astype(np.uint64) * np.uint64(2), n)
    else:  # three keys: buckets too large to sort by insertion
        keys = rng.integers(0, 3, n).astype(np.uint64)
    owner = rng.integers(0, 500, n)
    order = np.lexsort((owner, keys))
    new = np.ones(n, dtype=bool)
    new[1:] = (owner[order][1:] != owner[order][:-1]) | (keys[order][1:] != keys[order][:-1])
    assert np.array_equal(first_rows(owner, keys), order[new])
