import datetime as dt
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


class QuietHandler(BaseHTTPRequestHandler):
    """A handler for the tests' own HTTP servers (web pages, model endpoints): no log lines."""

    def send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def http_server(handler: type[BaseHTTPRequestHandler], **attrs):
    """A real HTTP server on a free loopback port, served from a thread for the `with` block;
    `attrs` are set on the server, where a handler reads them as `self.server.<name>`."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    default = httpd.handle_error

    def handle_error(request, client_address):
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):  # a client that gave up is expected
            default(request, client_address)
    httpd.handle_error = handle_error
    for name, value in attrs.items():
        setattr(httpd, name, value)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def embedder():
    from retrieval.embeddings import OnnxMiniLM

    return OnnxMiniLM()


@pytest.fixture(scope="session")
def local_llm():
    """The embedded local model, started once for the whole run (it takes ~8 s and 1.1 GB)."""
    from factcheck.settings import Settings

    return Settings(llm_base_url=None, openai_api_key=None).build_llm()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, proc: subprocess.Popen, log_path: Path, timeout: float) -> None:
    """Until the Streamlit server at `url` answers its health check; fails with the end of its log
    when the process ends or the time runs out first."""
    import urllib.request

    deadline = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            raise AssertionError(f"the server did not start; {log_path}:\n{Path(log_path).read_text()[-3000:]}")
        time.sleep(0.3)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real Chroma server (`chroma run`, from the chromadb package) on a loopback port, shared
    by the session (a module may define its own); yields the port. Give each test its own
    collection name."""
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    log = tmp_path_factory.mktemp("chroma-log") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path_factory.mktemp("chroma")),
                                 "--host", "127.0.0.1", "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)
    import chromadb

    for _ in range(240):
        try:
            chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
            break
        except Exception:
            if proc.poll() is not None:
                pytest.fail(f"chroma server exited: {log.read_text()[-2000:]}")
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"chroma server did not start: {log.read_text()[-2000:]}")
    yield port
    proc.terminate()
    proc.wait(30)


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


@pytest.fixture(params=["embedded", "server"])
def store_env(request, tmp_path, monkeypatch):
    """Environment for a store in a subprocess-driven test, embedded or on the Chroma server (its
    own collection). A module adds variables of its own in STORE_ENV."""
    env = {"FACTCHECK_DATA_DIR": str(tmp_path / "data"), "FACTCHECK_CHUNK_SIZE": "300", "FACTCHECK_CHUNK_OVERLAP": "50",
           **getattr(request.module, "STORE_ENV", {})}
    if request.param == "server":
        port = request.getfixturevalue("chroma_server")
        env |= {"FACTCHECK_CHROMA_HOST": "127.0.0.1", "FACTCHECK_CHROMA_PORT": str(port),
                "FACTCHECK_COLLECTION": f"{request.module.__name__.removeprefix('test_')}-{uuid.uuid4().hex[:12]}"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env
