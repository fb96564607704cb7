import datetime as dt
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def embedder():
    from retrieval.embeddings import OnnxMiniLM

    return OnnxMiniLM()


@pytest.fixture(scope="session")
def local_llm():
    """The embedded local model, started once for the whole run (it takes ~8 s and 1.1 GB)."""
    from factcheck.settings import Settings

    return Settings(llm_base_url=None, openai_api_key=None).build_llm()


@pytest.fixture
def corpus(tmp_path, embedder):
    from retrieval.store import Corpus

    c = Corpus(tmp_path / "data", embedder)
    yield c
    c.close()


@pytest.fixture
def seeded(corpus):
    """The corpus with the bundled seed article, loaded the way `make run` loads it."""
    from retrieval.loaders import load_path

    corpus.add(load_path(ROOT / "corpus" / "kyiv-post-putin-zelensky.md"))
    return corpus


def article(text: str, **meta):
    from retrieval.models import Article

    return Article(text=text, **meta)


@pytest.fixture
def day():
    return dt.date.fromisoformat
