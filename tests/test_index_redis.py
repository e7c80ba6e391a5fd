"""The Redis store answers as the SQLite one, against a real redis-server on loopback."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from test_index import _CHILD, answers, build, corpus, seed_docs

from dedup.core.errors import DedupError
from dedup.core.records import Document
from dedup.workflows.index import Index

pytestmark = pytest.mark.redis
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def redis_server() -> Iterator[str]:
    """A redis-server of its own on a free loopback port, as long as the block runs: its URL."""
    if not Path(REDIS_SERVER).exists():
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    redis = pytest.importorskip("redis")
    port = _free_port()
    server = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture
def empty_redis(redis_url: str) -> str:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        client.flushdb()
    finally:
        client.close()
    return redis_url


def test_seed_queries_find_their_sources_in_redis(empty_redis: str, tmp_path: Path) -> None:
    seeds = seed_docs()
    indexed, queried = [seeds["000"], seeds["001"], seeds["002"]], [seeds["003"], seeds["004"]]
    with Index.open(empty_redis) as index:
        assert index.add(indexed) == 3
        assert index.add(indexed) == 0
        r003, r004 = index.query(queried)
        stats = index.stats()
    assert r003.hits[0].id == seeds["000"].id and r004.hits[0].id == seeds["001"].id
    for result in (r003, r004):
        new = next(d for d in seeds.values() if d.id == result.id)
        for hit in result.hits:
            old = next(d for d in seeds.values() if d.id == hit.id)
            for m in hit.matches:
                assert new.text[m.a_start : m.a_end].strip() and old.text[m.b_start : m.b_end]
    lite = build(tmp_path / "i.sqlite", indexed)
    assert [r003, r004] == answers(lite, queried)  # the same answer, match for match
    with Index.open(lite) as index:
        assert (stats.documents, stats.passages, stats.features) == (
            index.stats().documents, index.stats().passages, index.stats().features
        )  # fmt: skip


def test_redis_incremental_add_and_remove_match_sqlite(empty_redis: str, tmp_path: Path) -> None:
    docs = corpus(seed=5, n=20)
    probes = corpus(seed=5, n=20, prefix="q")[20:]
    with Index.open(empty_redis) as index:
        index.add(docs[:12])
        index.add([*docs[12:], corpus(seed=6, n=1, prefix="x")[0]])
        assert index.remove(["x0000"]) == 1
        got = index.query(probes)
    assert got == answers(build(tmp_path / "i.sqlite", docs), probes)
    assert all(r.hits for r in got)


def test_kill_9_mid_add_leaves_redis_as_it_was(empty_redis: str) -> None:
    import redis

    docs = corpus(seed=9, n=60)
    with Index.open(empty_redis) as index:
        index.add(docs[:20])
    client = redis.Redis.from_url(empty_redis)
    try:
        before = {k: client.dump(k) for k in sorted(client.keys("*"))}
        code = _CHILD.format(tests=str(Path(__file__).parent), path=empty_redis, n=60, start=20)
        child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "midway"
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
        assert {k: client.dump(k) for k in sorted(client.keys("*"))} == before
    finally:
        client.close()
    with Index.open(empty_redis) as index:
        assert index.add(docs[20:]) == len(docs) - 20
        assert index.stats().documents == len(docs)


def test_an_empty_redis_database_is_not_taken_for_an_index_to_query(empty_redis: str) -> None:
    with pytest.raises(DedupError, match="no dedup index there"):
        Index.open(empty_redis, create=False)
    with Index.open(empty_redis):  # adding creates it
        pass
    with Index.open(empty_redis, create=False) as index:
        assert index.stats().documents == 0


def _stored(url: str) -> tuple[int, int]:
    """How many keys the database holds, and what they take in the server's memory (bytes)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = client.keys("*")
        return len(keys), sum(client.memory_usage(k, samples=0) for k in keys)
    finally:
        client.close()


def test_a_long_id_is_stored_once_not_once_a_key(empty_redis: str) -> None:
    import redis

    doc = corpus(seed=4, n=1)[0]
    stored = []
    for doc_id in ("a", "x" * 4096):
        client = redis.Redis.from_url(empty_redis)
        client.flushdb()
        client.close()
        with Index.open(empty_redis) as index:
            index.add([Document(doc_id, doc.text, source="s")])
        stored.append(_stored(empty_redis))
    (keys, short), (_, long) = stored
    # the id is held twice (the id -> row hash, the document's hash), not once per key
    assert keys > 100 and long - short < 3 * 4096


_LOST = """
import sys
sys.path.insert(0, {tests!r})
from test_index import corpus
from dedup.core.errors import DedupError
from dedup.workflows.index import Index
from dedup.core.records import Document

def batch():
    yield from corpus(seed=9, n=8)
    print("analysed", flush=True)
    sys.stdin.readline()  # the server is killed meanwhile

with Index.open({url!r}) as index:
    try:
        index.add(batch())
    except DedupError as exc:
        print(exc, flush=True)
"""


def test_a_server_killed_during_add_is_a_lost_connection() -> None:
    import redis

    with redis_server() as url:
        client = redis.Redis.from_url(url)
        pid = client.info()["process_id"]
        client.close()
        code = _LOST.format(tests=str(Path(__file__).parent), url=url)
        child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "analysed"  # the batch is to be written
        os.kill(pid, signal.SIGKILL)
        while _answers(url):
            time.sleep(0.05)
        out, _ = child.communicate("go\n", timeout=120)
    assert "lost the connection to Redis during the batch" in out, out
    assert "another writer" not in out


def _answers(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url)
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False
    finally:
        client.close()
