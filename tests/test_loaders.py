import datetime as dt
import io
import json
import zipfile

import pypdf
import pytest
from filemakers import make_docx, make_html, make_pdf, pdf_bytes

from retrieval.errors import RefusedInput
from retrieval.loaders import iter_jsonl, load_bytes, load_path, load_text, load_url, parse_date
from tests.conftest import QuietHandler, http_server

PARAS = [
    "The city council voted on Tuesday to approve a budget of 12 million euros for public transport.",
    "Opposition members said the plan did not address the shortage of buses in the northern districts.",
    "The budget takes effect in January and will be reviewed after six months, the council said.",
]
LEAKS = ("SCRIPT-LEAK", "STYLE-LEAK", "COMMENT-LEAK", "NAV-LEAK", "HEADER-LEAK", "FOOTER-LEAK", "ASIDE-LEAK")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2023-05-01", dt.date(2023, 5, 1)),
        ("2023-05-01T10:00:00Z", dt.date(2023, 5, 1)),
        ("2023-05-01T23:30:00-05:00", dt.date(2023, 5, 1)),
        ("2023/05/01", dt.date(2023, 5, 1)),
        ("January 28, 2026", dt.date(2026, 1, 28)),
        ("28 January 2026", dt.date(2026, 1, 28)),
        ("Jan. 28, 2026", dt.date(2026, 1, 28)),
        ("Mon, 01 May 2023 10:00:00 GMT", dt.date(2023, 5, 1)),
        (dt.datetime(2023, 5, 1, 10), dt.date(2023, 5, 1)),
        (dt.date(2023, 5, 1), dt.date(2023, 5, 1)),
        ("2023-02-30", None),
        ("last Tuesday", None),
        ("", None),
        (None, None),
        (12345, None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


# --- plain text -------------------------------------------------------------------------------


def test_txt_utf8_with_bom_and_meta_override(tmp_path):
    path = tmp_path / "note.txt"
    path.write_bytes("\ufeffKyiv says “talks” went well.\nAdvertisement\nMore text follows here.\n".encode())
    article = load_path(path, meta={"source": "Kyiv Post", "date": "2026-01-28", "title": None})
    assert article.text == "Kyiv says “talks” went well.\nMore text follows here."
    assert (article.source, article.date, article.title, article.filename) == (
        "Kyiv Post", dt.date(2026, 1, 28), None, "note.txt")


def test_txt_cp1252(tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes("Café owners said “no” to the new tax – again.".encode("cp1252"))
    assert load_path(path).text == "Café owners said “no” to the new tax – again."


@pytest.mark.parametrize("text,encoding", [
    ("Президент Украины заявил, что готов встретиться с Путиным в любое время.", "cp1251"),
    ("Ο πρωθυπουργός δήλωσε ότι η κυβέρνηση θα στηρίξει τους αγρότες.", "cp1253"),
    ("Der Bürgermeister von München sagte, die Straße sei gesperrt worden.", "cp1252"),
])
def test_txt_in_a_legacy_code_page_of_another_script(tmp_path, text, encoding):
    """A Cyrillic or Greek Windows code page is read as the script it is, not as Latin-1 accents."""
    path = tmp_path / "old.txt"
    path.write_bytes(text.encode(encoding))
    assert load_path(path).text == text


def test_upload_name_loses_path_and_control_characters():
    article = load_bytes(b"A long enough article body to keep.", "../../etc/ev\x07il.txt")
    assert article.filename == "evil.txt"


def test_load_text_and_its_refusals():
    article = load_text("  Pasted words that make a whole sentence.  ", meta={"author": "Ann"})
    assert (article.text, article.author, article.filename) == (
        "Pasted words that make a whole sentence.", "Ann", "pasted text")
    with pytest.raises(RefusedInput, match="no readable text"):
        load_text("too short")
    with pytest.raises(RefusedInput, match="not a date"):
        load_text("Pasted words that make a whole sentence.", meta={"date": "someday"})


# --- markdown ---------------------------------------------------------------------------------


def test_markdown_front_matter(tmp_path):
    path = tmp_path / "story.md"
    path.write_text(
        "---\ntitle: Budget approved\noutlet: Test Gazette\nauthor: [Ann Lee, Bo Park]\n"
        "date: 2024-03-05\nurl: https://gazette.example/budget\n---\n# Budget\n\n" + PARAS[0] + "\n",
        encoding="utf-8",
    )
    article = load_path(path)
    assert article.title == "Budget approved"
    assert article.source == "Test Gazette"
    assert article.author == "Ann Lee, Bo Park"
    assert article.date == dt.date(2024, 3, 5)
    assert article.url == "https://gazette.example/budget"
    assert article.text == "# Budget\n\n" + PARAS[0]


def test_markdown_without_front_matter_has_no_title(tmp_path):
    path = tmp_path / "plain.markdown"
    path.write_text("# A heading that is not a title\n\n" + PARAS[1], encoding="utf-8")
    article = load_path(path)
    assert article.title is None
    assert article.text.startswith("# A heading")


def test_markdown_bad_yaml_refused(tmp_path):
    path = tmp_path / "bad.md"
    path.write_text("---\ntitle: [unclosed\n---\n" + PARAS[0], encoding="utf-8")
    with pytest.raises(RefusedInput, match="front matter"):
        load_path(path)


# --- HTML -------------------------------------------------------------------------------------


def _assert_clean_article(text):
    for sentence in PARAS:
        assert sentence in text
    for leak in LEAKS:
        assert leak not in text


def test_html_article_without_page_furniture(tmp_path):
    article = load_path(make_html(tmp_path / "page.html", PARAS, title="Budget approved"))
    _assert_clean_article(article.text)
    assert article.title == "Budget approved"
    assert article.source == "Test Gazette"
    assert article.date == dt.date(2024, 3, 5)
    assert article.url == "https://gazette.example/news/test-headline"


def test_html_fallback_when_trafilatura_finds_nothing(tmp_path, monkeypatch):
    import trafilatura

    monkeypatch.setattr(trafilatura, "extract", lambda *args, **kwargs: None)
    article = load_path(make_html(tmp_path / "page.htm", PARAS))
    _assert_clean_article(article.text)


def test_html_with_only_scripts_refused():
    html = b"<html><head><script>var a = 'plenty of script text here';</script></head>" \
           b"<body><script>document.write('even more script text')</script><style>p{}</style></body></html>"
    with pytest.raises(RefusedInput, match="no readable text"):
        load_bytes(html, "empty.html")


# --- PDF --------------------------------------------------------------------------------------


def test_pdf_maker_is_readable_by_pypdf(tmp_path):
    path = make_pdf(tmp_path / "r.pdf", ["First (page) text.", "Second page text."], title="Report")
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) == 2
    assert "First (page) text." in reader.pages[0].extract_text()
    assert reader.metadata.title == "Report"


def test_pdf_pages_and_title(tmp_path):
    article = load_path(make_pdf(tmp_path / "r.pdf", [PARAS[0], PARAS[1]], title="Council report"))
    assert article.title == "Council report"
    first, second = article.text.split("\n\n")
    assert first.replace("\n", " ") == PARAS[0]
    assert second.replace("\n", " ") == PARAS[1]


def test_pdf_without_text_refused():
    with pytest.raises(RefusedInput, match="no text layer"):
        load_bytes(pdf_bytes([""]), "scan.pdf")


def test_pdf_truncated_or_corrupt_refused():
    data = pdf_bytes([PARAS[0]])
    with pytest.raises(RefusedInput, match="truncated"):
        load_bytes(data[: len(data) // 2], "cut.pdf")
    with pytest.raises(RefusedInput, match="damaged"):
        load_bytes(b"%PDF-1.4\nthis is not really a pdf at all\n%%EOF\n", "junk.pdf")


def _encrypted(password):
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_bytes([PARAS[0]]))))
    writer.encrypt(user_password=password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_encrypted_refused_unless_password_is_empty():
    with pytest.raises(RefusedInput, match="encrypted"):
        load_bytes(_encrypted("secret"), "locked.pdf")
    assert "city council" in load_bytes(_encrypted(""), "restricted.pdf").text


# --- DOCX -------------------------------------------------------------------------------------


def test_docx(tmp_path):
    path = make_docx(tmp_path / "memo.docx", PARAS, title="Council memo", author="Ann Lee")
    article = load_path(path)
    assert article.text == "\n\n".join(PARAS)
    assert (article.title, article.author) == ("Council memo", "Ann Lee")


def test_docx_truncated_refused(tmp_path):
    data = make_docx(tmp_path / "memo.docx", PARAS).read_bytes()
    with pytest.raises(RefusedInput, match="DOCX"):
        load_bytes(data[: len(data) // 2], "memo.docx")


def test_docx_zip_bomb_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"\0" * (11 * 1024 * 1024))
    with pytest.raises(RefusedInput, match="zip bomb"):
        load_bytes(buf.getvalue(), "bomb.docx")
    # A normal file that expands past 20 x the limit is refused as well.
    small = make_docx(tmp_path / "memo.docx", PARAS).read_bytes()
    with pytest.raises(RefusedInput, match="zip bomb"):
        load_bytes(small, "memo.docx", max_bytes=len(small) + 1)


# --- refusals common to all files -------------------------------------------------------------


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b"", "empty.txt", "empty file"),
        (bytes(range(256)) * 8, "junk.txt", "binary"),
        (b"\x01\x02\x03\x04\x05\x06" * 100 + b"some words", "ctrl.txt", "binary"),
        (b"plenty of text in this file here", "data.xyz", r"unsupported file type \.xyz"),
        (b"plenty of text in this file here", "README", "no extension"),
        (b'{"text": "x"}\n', "batch.jsonl", "batch"),
    ],
)
def test_refused_uploads(data, name, message):
    with pytest.raises(RefusedInput, match=message):
        load_bytes(data, name)


def test_size_limit(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("word " * 400, encoding="utf-8")
    with pytest.raises(RefusedInput, match=r"file is 2 KB, over the 1 KB limit"):
        load_path(path, max_bytes=1024)
    with pytest.raises(RefusedInput, match="over the"):
        load_bytes(path.read_bytes(), "big.txt", max_bytes=1024)


def test_missing_file_refused(tmp_path):
    with pytest.raises(RefusedInput, match="cannot read"):
        load_path(tmp_path / "nope.txt")


# --- JSONL ------------------------------------------------------------------------------------


def test_jsonl_good_and_bad_lines(tmp_path):
    lines = [
        json.dumps({"id": "a1", "title": "Budget", "text": PARAS[0], "date": "2024-03-05",
                    "source": "Test Gazette", "url": "https://g.example/a1", "authors": ["Ann", "Bo"]}),
        "{not json",
        "",
        json.dumps({"id": "a2", "title": "No text here"}),
        json.dumps(["a", "list"]),
        json.dumps({"text": PARAS[1], "author": "Cy"}),
    ]
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = list(iter_jsonl(path))
    assert [name for name, _ in results] == ["a1", "batch.jsonl:2", "a2", "batch.jsonl:5", "batch.jsonl:6"]
    good = results[0][1]
    assert (good.external_id, good.title, good.text, good.date, good.source, good.url, good.author) == (
        "a1", "Budget", PARAS[0], dt.date(2024, 3, 5), "Test Gazette", "https://g.example/a1", "Ann, Bo")
    assert "not valid JSON" in str(results[1][1])
    assert "no text" in str(results[2][1])
    assert "not a JSON object" in str(results[3][1])
    assert results[4][1].text == PARAS[1] and results[4][1].author == "Cy"
    assert all(isinstance(r, RefusedInput) for _, r in results[1:4])


def test_jsonl_line_over_limit_skipped(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps({"text": "x" * 5000}) + "\n" + json.dumps({"text": PARAS[2]}) + "\n")
    (_, first), (_, second) = iter_jsonl(path, max_bytes=1000)
    assert isinstance(first, RefusedInput) and "over the" in str(first)
    assert second.text == PARAS[2]


# --- URLs -------------------------------------------------------------------------------------


@pytest.fixture
def server(tmp_path, monkeypatch):
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    page = make_html(tmp_path / "page.html", PARAS, title="Served page").read_bytes()
    routes = {
        "/news/page": (200, "text/html; charset=utf-8", page),
        "/plain": (200, "text/plain; charset=utf-8", " ".join(PARAS).encode()),
        "/report.pdf": (200, "application/pdf", pdf_bytes([PARAS[0]])),
        "/image": (200, "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100),
    }

    class Handler(QuietHandler):
        def do_GET(self):  # noqa: N802
            if self.path == "/old":
                self.send_response(301)
                self.send_header("Location", "/news/page")
                self.end_headers()
                return
            status, ctype, body = routes.get(self.path, (404, "text/plain", b"not found"))
            self.send(status, body, ctype)

    with http_server(Handler) as httpd:
        yield f"http://127.0.0.1:{httpd.server_port}"


def test_url_html_page_after_redirect(server):
    article = load_url(server + "/old", allow_private=True, meta={"source": "Override Times"})
    _assert_clean_article(article.text)
    assert article.url == server + "/news/page"
    assert (article.title, article.source, article.date) == ("Served page", "Override Times", dt.date(2024, 3, 5))


def test_url_plain_text_and_pdf(server):
    assert load_url(server + "/plain", allow_private=True).text == " ".join(PARAS)
    assert load_url(server + "/report.pdf", allow_private=True).text.replace("\n", " ") == PARAS[0]


def test_url_refusals(server):
    with pytest.raises(RefusedInput, match="404"):
        load_url(server + "/missing", allow_private=True)
    with pytest.raises(RefusedInput, match="image/png"):
        load_url(server + "/image", allow_private=True)
    with pytest.raises(RefusedInput, match="over the"):
        load_url(server + "/news/page", max_bytes=100, allow_private=True)
    with pytest.raises(RefusedInput, match="only http and https"):
        load_url("ftp://127.0.0.1/file.txt")
    with pytest.raises(RefusedInput, match="could not fetch"):
        load_url("http://127.0.0.1:1/", timeout=2, allow_private=True)


def test_jsonl_record_with_only_boilerplate_keeps_its_headline(tmp_path):
    junk = "1. How relevant is this ad to you?\n\nAdvertisement\n"
    f = tmp_path / "h.jsonl"
    f.write_text("\n".join(json.dumps({"id": i, "title": t, "text": junk}) for i, t in
                           (("a", "Walmart is slashing prices on clothing"), ("b", "Sprite drops its green bottle"), ("c", "Hi"))) + "\n")
    out = list(iter_jsonl(f))
    assert out[0][1].text == "Walmart is slashing prices on clothing" and out[1][1].text == "Sprite drops its green bottle"
    assert isinstance(out[2][1], RefusedInput)  # a title too short to be a headline is not kept
