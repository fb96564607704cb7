"""Fuzzing every loader with hypothesis: random bytes, and valid files with bytes overwritten,
inserted, deleted or cut off (so the input gets past the first check and into the parsers). The
only exception a loader may raise is the project's own `RefusedInput`; an article it returns
must be storable; nothing may take more than a few seconds.

FACTCHECK_FUZZ_EXAMPLES sets the examples per target (default 120; try 5000 for a long run).
"""

import json
import os
import signal
from contextlib import contextmanager

import pytest
from filemakers import docx_bytes, pdf_bytes, rezip_docx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrieval import netguard
from retrieval.errors import RefusedInput
from retrieval.loaders import MIN_CHARS, iter_jsonl, load_bytes, load_text, load_url
from retrieval.models import Article
from retrieval.store import _unstorable
from tests.conftest import QuietHandler, http_server

EXAMPLES = int(os.environ.get("FACTCHECK_FUZZ_EXAMPLES", "120"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                                       HealthCheck.function_scoped_fixture])
SECONDS = 60  # per input: generous, the machine is shared and some parsers compile big regexes on first use


class TooSlow(BaseException):
    """Not an Exception: the loaders' own `except Exception` must not turn a hang into a refusal."""


@contextmanager
def time_limit(seconds: float):
    def stop(signum, frame):
        raise TooSlow(f"a loader took more than {seconds} s")
    old = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def assert_storable(article: Article) -> None:
    assert isinstance(article, Article)
    assert len(article.text) >= MIN_CHARS
    assert _unstorable(article) is None


def only_refusals(load, *args, **kwargs):
    """Run a loader: an Article or a RefusedInput with a message; anything else fails the test."""
    with time_limit(SECONDS):
        try:
            article = load(*args, **kwargs)
        except RefusedInput as e:
            assert str(e).strip()
            return None
    assert_storable(article)
    return article


# ---- seeds: one valid file per format ------------------------------------------------------------
STORY = ("The city council voted on Tuesday to approve a budget of 12 million euros for public transport. "
         "Opposition members said the plan did not address the shortage of buses in the north.")
SEEDS = {
    ".txt": STORY.encode(),
    ".md": f"---\ntitle: Buses\nsource: Gazette\nauthor: [Ann, Bo]\ndate: 2024-03-05\nurl: https://g.example/b\n---\n# Buses\n\n{STORY}\n".encode(),
    ".html": (f"<!doctype html><html><head><meta charset='utf-8'><title>Buses</title><meta property='og:site_name' "
              f"content='Gazette'><meta property='article:published_time' content='2024-03-05'></head><body><nav>Home</nav>"
              f"<article><h1>Buses</h1><p>{STORY}</p><p hidden>hidden</p><!-- c --></article><script>x=1</script>"
              f"</body></html>").encode(),
    ".pdf": pdf_bytes([STORY, "Second page. " + STORY], title="Buses"),
    ".docx": docx_bytes([STORY, "Second paragraph. " + STORY], title="Buses", author="Ann"),
}


@st.composite
def mutated(draw, seed: bytes):
    """`seed` with a few random edits: overwrite, insert, delete a run of bytes, or cut it off."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["overwrite", "insert", "delete", "truncate", "repeat"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=16))
            data[pos:pos + len(chunk)] = chunk
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 256))]
        elif op == "truncate":
            del data[pos:]
        else:  # repeat a slice: nesting, duplicated objects
            n = draw(st.integers(1, 64))
            data[pos:pos] = bytes(data[pos:pos + n]) * draw(st.integers(2, 50))
    return bytes(data)


SUFFIXES = sorted(SEEDS)


@pytest.mark.parametrize("suffix", SUFFIXES)
@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes(suffix, data):
    only_refusals(load_bytes, data, "upload" + suffix)


@pytest.mark.parametrize("suffix", SUFFIXES)
@FUZZ
@given(data=st.data())
def test_damaged_valid_files(suffix, data):
    only_refusals(load_bytes, data.draw(mutated(SEEDS[suffix])), "upload" + suffix)


_DOCUMENT_XML = __import__("zipfile").ZipFile(__import__("io").BytesIO(SEEDS[".docx"])).read("word/document.xml")


@FUZZ
@given(data=st.data())
def test_docx_with_damaged_xml_inside_a_valid_zip(data):
    """Mutating the zip mostly breaks the archive; this reaches python-docx's XML handling."""
    xml = data.draw(mutated(_DOCUMENT_XML))
    only_refusals(load_bytes, rezip_docx(SEEDS[".docx"], lambda _: xml), "upload.docx")


@FUZZ
@given(text=st.text(max_size=2000), front=st.text(alphabet=st.sampled_from(list(":-[]{}&*!|>'\"#%@`,? \n\tab1") + ["\u2028"]), max_size=300))
def test_text_markdown_and_front_matter(text, front):
    only_refusals(load_text, text)
    only_refusals(load_bytes, text.encode("utf-8", "surrogatepass"), "pasted.txt")
    only_refusals(load_bytes, f"---\n{front}\n---\n{STORY}".encode("utf-8", "surrogatepass"), "front.md")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=200),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20)
records = st.fixed_dictionaries({}, optional={
    "id": json_values, "title": json_values, "text": st.one_of(st.text(max_size=500), json_values),
    "date": st.one_of(st.text(max_size=30), json_values), "source": json_values, "url": json_values,
    "author": json_values, "authors": json_values})


@FUZZ
@given(lines=st.lists(st.one_of(records.map(lambda r: json.dumps(r).encode()), st.binary(max_size=300),
                                json_values.map(lambda v: json.dumps(v).encode())), max_size=8))
def test_jsonl_lines(tmp_path, lines):
    path = tmp_path / "batch.jsonl"
    path.write_bytes(b"\n".join(line.replace(b"\n", b" ") for line in lines) + b"\n")
    with time_limit(SECONDS):
        results = list(iter_jsonl(path))
    for name, item in results:
        assert isinstance(name, str)
        if isinstance(item, RefusedInput):
            assert str(item).strip()
        else:
            assert_storable(item)


class _Page(QuietHandler):
    reply: tuple[str, bytes] = ("text/html", b"")

    def do_GET(self):  # noqa: N802
        content_type, body = type(self).reply
        self.send(200, body, content_type)


@pytest.fixture(scope="module")
def page_server():
    with http_server(_Page) as httpd:
        yield f"http://127.0.0.1:{httpd.server_port}/page"


content_types = st.sampled_from(["text/html", "text/plain", "application/pdf", "application/xhtml+xml", "", "image/png",
                                 "text/html; charset=utf-16", "text/plain; charset=nonsense", "text/html; charset=cp1252"])


@settings(FUZZ, max_examples=max(EXAMPLES // 3, 10))  # each is an HTTP round trip; the parsers are fuzzed above
@given(content_type=content_types, body=st.one_of(st.binary(max_size=4096), mutated(SEEDS[".html"]), mutated(SEEDS[".pdf"])))
def test_web_pages(page_server, content_type, body):
    _Page.reply = (content_type, body)
    only_refusals(load_url, page_server, timeout=10, allow_private=True)


@FUZZ
@given(url=st.one_of(st.text(max_size=80), st.builds(lambda s, rest: f"{s}://{rest}",
                                                     st.sampled_from(["http", "https", "HTTP", "ftp", "file", ""]),
                                                     st.text(max_size=60))))
def test_link_syntax(url):
    """Any string as a link: refused or accepted, never a crash (no DNS: names are not resolved)."""
    with time_limit(SECONDS):
        try:
            netguard.check_url(url, resolve_host=False)
        except RefusedInput as e:
            assert str(e).strip()


@FUZZ
@given(ip=st.ip_addresses())
def test_only_global_addresses_pass(ip):
    """Whatever the form, an address passes only if it (or the IPv4 address inside it) is global."""
    problem = netguard.address_problem(ip)
    inner = netguard._embedded_v4(ip) or ip
    if problem is None:
        assert inner.is_global and not inner.is_multicast and inner not in netguard.METADATA
    else:
        assert isinstance(problem, str) and problem
    if inner.is_loopback or inner.is_private or inner.is_link_local or not inner.is_global:
        assert problem is not None
