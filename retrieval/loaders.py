"""Turn files, pasted text, web pages and JSONL lines into `Article`s.

Every failure caused by the input itself is raised as `RefusedInput` with a message a person can act
on; parser libraries fail in many ways on hostile or broken files, so their errors are wrapped here.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import io
import json
import re
import time
import unicodedata
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import charset_normalizer

from . import netguard
from .cleaning import clean_text
from .errors import RefusedInput
from .models import Article

SUPPORTED = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
MAX_BYTES = 50 * 1024 * 1024
MIN_CHARS = 20
META_KEYS = ("title", "source", "author", "date", "url")

_USE = "use txt, md, html, pdf, docx or jsonl"
_DATE_FORMATS = ("%B %d, %Y", "%B %d %Y", "%d %B %Y", "%b %d, %Y", "%b %d %Y", "%d %b %Y")

# ---------------------------------------------------------------------------------------------
# Small helpers


def parse_date(value: Any) -> dt.date | None:
    """Read a publication date from the many forms files and feeds use; None when unsure."""
    try:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if not isinstance(value, str) or not (s := value.strip()):
            return None
        # The date as written, not converted to UTC: that is the day the outlet published.
        try:
            return dt.datetime.fromisoformat(s).date()
        except ValueError:
            pass
        if m := re.fullmatch(r"(\d{4})/(\d{1,2})/(\d{1,2})", s):
            return dt.date(*map(int, m.groups()))
        english = re.sub(r"(?<=[A-Za-z])\.", "", s)  # "Jan. 28, 2026"
        english = re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", english)  # "28th January 2026"
        for fmt in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(english, fmt).date()
            except ValueError:
                continue
        return email.utils.parsedate_to_datetime(s).date()  # HTTP and RSS dates
    except (ValueError, TypeError, OverflowError, IndexError):
        return None


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _valid(text: str) -> str:
    """Text that can be stored: a lone UTF-16 surrogate (JSON's "\\ud800") is not a character."""
    return _SURROGATE.sub("\ufffd", text)


def _tidy(value: Any) -> str | None:
    """One-line metadata value, or None when there is nothing in it."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value if v is not None)
    return _valid(" ".join(str(value)[:2000].split())) or None


def _size(n: float) -> str:
    if n < 1024:
        return f"{int(n)} bytes"
    unit = "KB" if n < 1024 * 1024 else "MB"
    value = n / 1024 if unit == "KB" else n / (1024 * 1024)
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"


def _check_size(n: int, max_bytes: int, what: str = "file") -> None:
    if n > max_bytes:
        raise RefusedInput(f"{what} is {_size(n)}, over the {_size(max_bytes)} limit")


def _safe_name(filename: str) -> str:
    """The basename only: an upload's name comes from the person and may carry a path."""
    name = re.split(r"[/\\]", filename)[-1]
    return "".join(ch for ch in name if unicodedata.category(ch) != "Cc").strip()


def _finish(fields: dict[str, Any], *, filename: str | None, meta: dict | None,
            headline_only: bool = False) -> Article:
    """Apply the person's metadata over the file's, clean the text and build the article."""
    fields = dict(fields)
    for key in META_KEYS:
        if meta and meta.get(key) is not None:
            if key == "date" and parse_date(meta[key]) is None:
                raise RefusedInput(f"date {meta[key]!r} is not a date I can read (use YYYY-MM-DD)")
            fields[key] = meta[key]
    source = _tidy(fields.get("source"))
    text = fields.get("text") or ""
    text = clean_text(_valid(text if isinstance(text, str) else str(text)), source)
    title = _tidy(fields.get("title"))
    if headline_only and len(text) < MIN_CHARS and title and len(title) >= MIN_CHARS:
        # A record whose body is all boilerplate still carries a real headline: keep that as the
        # text, rather than losing the item or merging every such record into one junk "article".
        # (Only for records whose title is explicit metadata: a page's <title> is not enough.)
        text = clean_text(title)
    if len(text) < MIN_CHARS:
        raise RefusedInput("no readable text")
    return Article(
        external_id=_tidy(fields.get("external_id")),
        title=title,
        source=source,
        author=_tidy(fields.get("author")),
        date=parse_date(fields.get("date")),
        url=_tidy(fields.get("url")),
        filename=filename,
        text=text,
    )


# ---------------------------------------------------------------------------------------------
# One parser per format: bytes in, a dict of fields out (text plus whatever metadata the file has)


def _decode_text(data: bytes, charset: str | None = None) -> str:
    """Text from bytes: the declared charset if it fits, else UTF-8, else the Windows/Latin-1 family."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise RefusedInput("not valid UTF-8 text and not a known encoding") from None
    if b"\x00" in data:
        # UTF-16 without a byte-order mark: every other byte of Latin-script text is zero.
        even, odd = data[0::2], data[1::2]
        for zeros, other, encoding in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
            if len(data) % 2 == 0 and zeros.count(0) > 0.9 * len(zeros) and other.count(0) < 0.05 * len(other):
                try:
                    return _no_controls(data.decode(encoding))
                except UnicodeDecodeError:
                    break
        raise RefusedInput("looks like a binary file, not text")
    text = None
    for encoding in filter(None, (charset, "utf-8-sig")):
        try:
            text = data.decode(encoding)
            break
        except (LookupError, UnicodeDecodeError):
            continue
    if text is None:
        text = _legacy_decode(data)
    return _no_controls(text or "")


def _legacy_decode(data: bytes) -> str:
    """Bytes in a legacy code page. Windows-1252 first, the usual one for Western news; but Latin
    text has few accented letters, so when most letters read as accented ones ("Ïðåçèäåíò" is
    cp1251 Cyrillic read as cp1252) the bytes are another script's code page, which
    charset-normalizer tells apart by the language they make."""
    latin = data.decode("cp1252", errors="replace")
    letters = [ch for ch in latin if ch.isalpha()]
    if letters and sum(1 for ch in letters if "\u00c0" <= ch <= "\u00ff") <= 0.3 * len(letters):
        return latin if "\ufffd" not in latin else data.decode("latin-1")
    best = charset_normalizer.from_bytes(data).best()
    return str(best) if best is not None else data.decode("latin-1")  # latin-1 decodes anything


def _no_controls(text: str) -> str:
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if controls > 0.01 * len(text):
        raise RefusedInput("looks like a binary file, not text")
    return text


def _parse_txt(data: bytes, charset: str | None = None) -> dict[str, Any]:
    return {"text": _decode_text(data, charset)}


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


_MAX_FRONT_MATTER = 64 * 1024


def _front_matter(source: str) -> Any:
    """YAML front matter, read safely: no Python objects (safe loader), and no aliases, which
    let a few lines expand to gigabytes ("billion laughs")."""
    import yaml

    class NoAliases(yaml.SafeLoader):
        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                raise yaml.YAMLError("aliases (*name) are not allowed in front matter")
            return super().compose_node(parent, index)

    if len(source) > _MAX_FRONT_MATTER:
        raise RefusedInput(f"front matter is over {_size(_MAX_FRONT_MATTER)}; it should hold a few 'key: value' lines")
    try:
        return yaml.load(source, Loader=NoAliases)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise RefusedInput(f"front matter is not valid YAML ({str(exc).splitlines()[0]})") from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # e.g. "date: 2024-13-45"
        raise RefusedInput(f"front matter has a value I cannot read ({type(exc).__name__}: {exc})") from None


def _parse_markdown(data: bytes) -> dict[str, Any]:
    text = _decode_text(data).replace("\r\n", "\n").replace("\r", "\n")
    match = _FRONT_MATTER.match(text)
    if not match:
        return {"text": text}
    front = _front_matter(match.group(1))
    if front is None:
        front = {}
    if not isinstance(front, dict):
        raise RefusedInput("front matter must be 'key: value' lines")
    front = {str(k).lower(): v for k, v in front.items()}
    return {
        "text": text[match.end() :],
        "title": front.get("title"),
        "source": front.get("source") or front.get("outlet"),
        "author": front.get("author") or front.get("authors"),
        "date": front.get("date"),
        "url": front.get("url"),
    }


_JUNK_TAGS = ("script", "style", "nav", "header", "footer", "aside", "noscript", "template")
_BLOCK_TAGS = ("p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "blockquote", "pre")


def _html_meta(soup) -> dict[str, Any]:
    def content(**attrs) -> str | None:
        tag = soup.find("meta", attrs=attrs)
        return tag.get("content") if tag else None

    canonical = soup.find("link", rel="canonical")
    return {
        "title": content(property="og:title"),
        "source": content(property="og:site_name"),
        "author": content(name="author"),
        "date": content(property="article:published_time"),
        "url": (canonical.get("href") if canonical else None) or content(property="og:url"),
    }


def _soup_text(soup) -> str:
    """Fallback extraction: the article (or main, or body) with page furniture removed."""
    from bs4 import Comment

    for tag in soup.find_all(_JUNK_TAGS):
        tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    for br in root.find_all("br"):
        br.replace_with("\n")
    for block in root.find_all(_BLOCK_TAGS):
        block.insert_after("\n\n")
    lines = (re.sub(r"[ \t\xa0]+", " ", line).strip() for line in root.get_text().split("\n"))
    return "\n".join(lines)


_HIDING_STYLE = re.compile(r"display:none|visibility:hidden|font-size:0(?![.\d]*[1-9])|opacity:0(?![.\d]*[1-9])|"
                           r"(?<![-\w])(width|height):0(px)?(;|$)")
_HIDING_CLASSES = frozenset({"hidden", "hide", "d-none", "invisible", "is-hidden", "display-none", "visually-hidden", "sr-only"})


def _is_hidden(el) -> bool:
    if el.get("hidden") is not None or (el.get("aria-hidden") or "").strip().lower() == "true":
        return True
    style = re.sub(r"\s+", "", (el.get("style") or "").lower())
    if style and _HIDING_STYLE.search(style):
        return True
    return bool(_HIDING_CLASSES.intersection((el.get("class") or "").lower().split()))


def _visible_html(html: str) -> str:
    """The page as a reader sees it: comments, scripts and elements hidden by the page itself
    (hidden, aria-hidden, display:none, zero size) removed. Text nobody sees is where
    instructions aimed at a language model hide. lxml also caps nesting at 256 levels, so a page
    of 100,000 nested tags cannot make the parsers below crawl."""
    import lxml.etree
    import lxml.html

    try:
        root = lxml.html.document_fromstring(html.encode("utf-8", "replace"),
                                             parser=lxml.html.HTMLParser(encoding="utf-8", remove_comments=True,
                                                                         remove_pis=True))
    except (lxml.etree.ParserError, ValueError):
        return html  # nothing lxml can read; the fallback below will say there is no text
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None:
            continue
        if el.tag in ("script", "style", "template", "noscript") or _is_hidden(el):
            el.drop_tree()  # keeps the text that follows the element, which belongs to its parent
    return lxml.html.tostring(root, encoding="unicode")


def _parse_html(data: bytes, *, url: str | None = None, charset: str | None = None) -> dict[str, Any]:
    import trafilatura
    from bs4 import BeautifulSoup, UnicodeDammit

    html = UnicodeDammit(data, known_definite_encodings=[charset] if charset else [], is_html=True).unicode_markup
    if html is None:
        raise RefusedInput("not valid UTF-8 text and not a known encoding")
    try:
        html = _visible_html(html)
        soup = BeautifulSoup(html, "lxml")
        fields = _html_meta(soup)
        text = trafilatura.extract(
            html, url=url, include_comments=False, include_tables=True, favor_precision=True
        )
        found = trafilatura.extract_metadata(html, default_url=url)
        if not text:
            text = _soup_text(soup)
    except Exception as exc:  # parsers fail in many ways on broken markup; the person needs one message
        raise RefusedInput(f"could not read the HTML page ({exc})") from None
    # The page's own meta tags say what the outlet meant; trafilatura's guesses fill the gaps.
    if found is not None:
        for key, attr in (("title", "title"), ("source", "sitename"), ("author", "author"),
                          ("date", "date"), ("url", "url")):
            fields[key] = fields[key] or getattr(found, attr, None)
    if not fields["title"] and soup.title:
        fields["title"] = soup.title.get_text()  # last: it often carries the site name too
    fields["url"] = fields["url"] or url
    fields["text"] = text
    return fields


def _parse_pdf(data: bytes) -> dict[str, Any]:
    import pypdf
    import pypdf.errors

    # pypdf silently recovers what it can from a cut-off file; a missing end marker means truncation.
    if b"%%EOF" not in data.rstrip(b"\x00 \t\r\n")[-1024:]:
        raise RefusedInput("PDF is truncated or damaged (no end-of-file marker)")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")  # many "encrypted" PDFs only restrict printing or copying
            except Exception:
                opened = 0
            if not opened:
                raise RefusedInput("PDF is encrypted (save an unprotected copy and try again)")
        info = reader.metadata
        pages = [page.extract_text() or "" for page in reader.pages]
    except RefusedInput:
        raise
    except pypdf.errors.LimitReachedError:
        raise RefusedInput("PDF expands to too much data when decompressed (a decompression bomb?)") from None
    except Exception as exc:
        raise RefusedInput(f"PDF is truncated or damaged ({exc})") from None
    if not any(p.strip() for p in pages):
        raise RefusedInput("PDF has no text layer (scanned?)")
    fields: dict[str, Any] = {"text": "\n\n".join(p.strip() for p in pages)}
    if info is not None:
        for key, attr in (("title", "title"), ("author", "author"), ("date", "creation_date")):
            try:
                fields[key] = getattr(info, attr)
            except Exception:  # a malformed date string in the metadata is not worth refusing for
                fields[key] = None
    return fields


def _check_zip(data: bytes, max_bytes: int) -> None:
    """Refuse decompression bombs before a parser expands them."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise RefusedInput("DOCX is truncated or damaged (not a valid zip archive)") from None
    if sum(m.file_size for m in members) > 20 * max_bytes:
        raise RefusedInput("DOCX expands to too much data (zip bomb?)")
    for m in members:
        if m.file_size > 10 * 1024 * 1024 and m.file_size > 200 * max(m.compress_size, 1):
            raise RefusedInput("DOCX expands to too much data (zip bomb?)")
    # Word never writes a DTD; one in a DOCX is there to declare entities: an XML bomb ("billion
    # laughs") or a reference to a file on this machine (XXE).
    archive = zipfile.ZipFile(io.BytesIO(data))
    for m in members[:200]:
        if m.filename.endswith((".xml", ".rels")):
            try:
                with archive.open(m) as f:
                    head = f.read(64 * 1024)
            except Exception:  # noqa: S112 - a broken member is the parser's to report
                continue
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise RefusedInput("DOCX declares XML entities (a DTD), which Word never writes: refused as unsafe")


# python-docx's blank template carries this author and date; they say nothing about the article.
_DOCX_TEMPLATE_AUTHOR = "python-docx"
_DOCX_TEMPLATE_CREATED = dt.datetime(2013, 12, 23, 23, 15, tzinfo=dt.timezone.utc)


def _parse_docx(data: bytes, max_bytes: int) -> dict[str, Any]:
    import docx
    from docx.table import Table

    _check_zip(data, max_bytes)
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = []
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                blocks.extend(" | ".join(c.text.strip() for c in row.cells) for row in item.rows)
            else:
                blocks.append(item.text)
        props = document.core_properties
        author, created = props.author, props.created
    except Exception as exc:
        raise RefusedInput(f"DOCX is damaged or not a Word document ({exc})") from None
    author = None if author == _DOCX_TEMPLATE_AUTHOR else author
    created = None if created == _DOCX_TEMPLATE_CREATED else created
    return {
        "text": "\n\n".join(b.strip() for b in blocks if b.strip()),
        "title": props.title,
        "author": author,
        "date": created,
    }


def _parse(data: bytes, suffix: str, max_bytes: int) -> dict[str, Any]:
    """Dispatch on a suffix already checked against SUPPORTED."""
    if suffix == ".txt":
        return _parse_txt(data)
    if suffix in (".md", ".markdown"):
        return _parse_markdown(data)
    if suffix in (".html", ".htm"):
        return _parse_html(data)
    if suffix == ".pdf":
        return _parse_pdf(data)
    return _parse_docx(data, max_bytes)


# ---------------------------------------------------------------------------------------------
# Public loaders


def load_bytes(data: bytes, filename: str, *, max_bytes: int = MAX_BYTES, meta: dict | None = None) -> Article:
    """An uploaded file; its type comes from the name's suffix."""
    name = _safe_name(filename)
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".jsonl":
        raise RefusedInput("a .jsonl file holds many articles: import it as a batch, not as one file")
    if suffix not in SUPPORTED:
        raise RefusedInput(f"unsupported file type {suffix or '(no extension)'} ({_USE})")
    if not data:
        raise RefusedInput("empty file")
    _check_size(len(data), max_bytes)
    return _finish(_parse(data, suffix, max_bytes), filename=name, meta=meta)


def load_path(path: Path, *, max_bytes: int = MAX_BYTES, meta: dict | None = None) -> Article:
    path = Path(path)
    try:
        _check_size(path.stat().st_size, max_bytes)  # before reading: a huge file must not fill memory
        data = path.read_bytes()
    except OSError as exc:
        raise RefusedInput(f"cannot read {path.name}: {exc.strerror or exc}") from None
    return load_bytes(data, path.name, max_bytes=max_bytes, meta=meta)


def load_text(text: str, *, meta: dict | None = None, name: str = "pasted text") -> Article:
    """Text a person pasted; `name` is what the article is called until it has a title."""
    return _finish({"text": text}, filename=name, meta=meta)


def check_url(url: str, *, allow_private: bool = False) -> None:
    """Refuse a URL before any request to it, including each redirect hop: http or https only,
    and a host that resolves to public addresses only (see `netguard`)."""
    netguard.check_url(url, allow_private=allow_private)


_MAX_REDIRECTS = 10


def _fetch(url: str, *, max_bytes: int, timeout: float, allow_private: bool = False) -> tuple[str, str, str | None, bytes]:
    """GET with redirects followed by hand, so that `check_url` sees every hop; every connection
    goes to an address the guard checked. `timeout` bounds the whole fetch, not just each read:
    a server that sends a byte at a time must not hold an ingest for ever."""
    import httpx

    headers = {"User-Agent": "factcheck/0.1 (offline fact-checking assistant)"}
    deadline = time.monotonic() + timeout

    def left() -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise httpx.TimeoutException("deadline")
        return remaining

    try:
        with httpx.Client(timeout=timeout, headers=headers, follow_redirects=False,
                          transport=netguard.guarded_transport(allow_private=allow_private)) as client:
            for _ in range(_MAX_REDIRECTS + 1):
                check_url(url, allow_private=allow_private)
                with client.stream("GET", url, timeout=left()) as resp:
                    if resp.is_redirect and resp.next_request is not None:
                        url = str(resp.next_request.url)
                        continue
                    if resp.status_code >= 400:
                        raise RefusedInput(f"{url} answered HTTP {resp.status_code} {resp.reason_phrase}".rstrip())
                    declared = resp.headers.get("content-length", "")
                    if declared.isdigit():
                        _check_size(int(declared), max_bytes, "page")
                    body = bytearray()
                    for chunk in resp.iter_bytes():
                        body += chunk
                        _check_size(len(body), max_bytes, "page")
                        left()
                    content_type = resp.headers.get("content-type", "").split(";")[0].strip().lower()
                    return str(resp.url), content_type, resp.charset_encoding, bytes(body)
            raise RefusedInput(f"too many redirects (more than {_MAX_REDIRECTS}) from {url}")
    except httpx.TimeoutException:
        raise RefusedInput(f"{url} did not send the page within {timeout:g} s") from None
    except httpx.InvalidURL as exc:
        raise RefusedInput(f"not a valid link: {url} ({exc})") from None
    except httpx.HTTPError as exc:
        raise RefusedInput(f"could not fetch {url}: {str(exc) or type(exc).__name__}") from None


def load_url(url: str, *, max_bytes: int = MAX_BYTES, timeout: float = 20.0, allow_private: bool = False,
             meta: dict | None = None) -> Article:
    """A web page (or a PDF or text file on the web); its `url` is where the redirects ended.
    Only public addresses unless `allow_private` (see `netguard`); `timeout` bounds the whole fetch."""
    url = url.strip()
    final_url, content_type, charset, data = _fetch(url, max_bytes=max_bytes, timeout=timeout,
                                                    allow_private=allow_private)
    if not data:
        raise RefusedInput(f"{final_url} sent an empty page")
    suffix = PurePosixPath(urlsplit(final_url).path).suffix.lower()
    if content_type == "application/pdf" or (not content_type and suffix == ".pdf"):
        fields = _parse_pdf(data)
    elif content_type == "text/plain":
        fields = _parse_txt(data, charset)
    elif content_type in ("", "text/html", "application/xhtml+xml"):
        fields = _parse_html(data, url=final_url, charset=charset)
    else:
        raise RefusedInput(f"{final_url} is {content_type}, not a web page, PDF or text")
    fields["url"] = final_url
    return _finish(fields, filename=None, meta=meta)


def _skip_rest_of_line(f: io.BufferedReader) -> None:
    while (chunk := f.readline(1024 * 1024)) and not chunk.endswith(b"\n"):
        pass


def iter_jsonl(path: Path, *, max_bytes: int = MAX_BYTES) -> Iterator[tuple[str, Article | RefusedInput]]:
    """One article per line; a bad line yields its refusal and the file goes on.

    A corpus file may be far bigger than any one article, so `max_bytes` bounds each line.
    """
    path = Path(path)
    try:
        f = path.open("rb")
    except OSError as exc:
        raise RefusedInput(f"cannot read {path.name}: {exc.strerror or exc}") from None
    with f:
        yield from iter_jsonl_stream(f, path.name, max_bytes=max_bytes)


def iter_jsonl_stream(f, filename: str, *, max_bytes: int = MAX_BYTES) -> Iterator[tuple[str, Article | RefusedInput]]:
    """`iter_jsonl` over an open binary stream (standard input: `factcheck ingest --jsonl -`)."""
    lineno = 0
    while raw := f.readline(max_bytes + 1):
        lineno += 1
        name = f"{filename}:{lineno}"
        if len(raw) > max_bytes and not raw.endswith(b"\n"):
            _skip_rest_of_line(f)
            yield name, RefusedInput(f"line {lineno} is over the {_size(max_bytes)} limit")
            continue
        if not raw.strip():
            continue
        name, outcome = _jsonl_line(raw, lineno, name, filename)
        yield name, outcome


def _jsonl_line(raw: bytes, lineno: int, name: str, filename: str) -> tuple[str, Article | RefusedInput]:
    try:
        record = json.loads(raw.decode("utf-8").lstrip("\ufeff"))
    except UnicodeDecodeError:
        return name, RefusedInput(f"line {lineno} is not UTF-8 text")
    except json.JSONDecodeError as exc:
        return name, RefusedInput(f"line {lineno} is not valid JSON ({exc.msg})")
    except RecursionError:
        return name, RefusedInput(f"line {lineno} is not valid JSON (nested too deeply)")
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        return name, RefusedInput(f"line {lineno} is not valid JSON ({exc})")
    if not isinstance(record, dict):
        return name, RefusedInput(f"line {lineno} is not a JSON object")
    if record.get("id") not in (None, ""):
        name = str(record["id"])
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        return name, RefusedInput(f"line {lineno} has no text")
    fields = {key: record.get(key) for key in META_KEYS}
    fields["author"] = record.get("author") or record.get("authors")
    fields.update(text=text, external_id=record.get("id"))
    try:
        return name, _finish(fields, filename=filename, meta=None, headline_only=True)
    except RefusedInput as exc:
        return name, RefusedInput(f"line {lineno}: {exc}")
