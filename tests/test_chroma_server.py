"""The same Corpus against a real Chroma server started on loopback by the test."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from retrieval.models import Article
from retrieval.search import Searcher
from retrieval.store import Corpus


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    chroma = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path_factory.mktemp("chroma")),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import chromadb

    for _ in range(120):
        try:
            chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
            break
        except Exception:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("chroma server did not start")
    yield port
    proc.terminate()
    proc.wait(10)


def test_corpus_on_a_chroma_server_keeps_both_indexes_in_step(tmp_path, embedder, chroma_server):
    c = Corpus(tmp_path / "d", embedder, chroma_host="127.0.0.1", chroma_port=chroma_server)
    assert c.stats().store.startswith("Chroma server at 127.0.0.1")
    keep = c.add(Article(text="Wildfires forced thousands to evacuate near Yosemite National Park.", source="CNN"))
    gone = c.add(Article(text="The city council approved a new school budget on Monday.", source="Gazette"))
    s = Searcher(c)
    assert s.search("school budget council", k=1)[0].doc_id == gone.doc_id
    c.delete(gone.doc_id)
    for mode in ("dense", "lexical", "hybrid"):
        assert all(h.doc_id == keep.doc_id for h in s.search("school budget council", mode=mode))
    assert c.collection.count() == keep.n_chunks


def test_unreachable_server_is_a_clear_error(tmp_path, embedder):
    from retrieval.errors import StoreError

    with pytest.raises(StoreError, match="chroma run"):
        Corpus(tmp_path / "d", embedder, chroma_host="127.0.0.1", chroma_port=9)
