"""Real input files for tests, made on the spot so no binary fixtures live in the repo."""

from __future__ import annotations

import textwrap
from pathlib import Path


def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def pdf_bytes(pages: list[str], title: str | None = None) -> bytes:
    """A minimal valid PDF: one Helvetica text stream per page, xref offsets computed exactly."""
    n = len(pages)
    font_id = 3 + 2 * n
    info_id = font_id + 1 if title else None
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: f"<< /Type /Pages /Kids [{' '.join(f'{3 + 2 * i} 0 R' for i in range(n))}] /Count {n} >>".encode(),
        font_id: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    }
    for i, page in enumerate(pages):
        page_id, content_id = 3 + 2 * i, 4 + 2 * i
        lines = [wrapped for para in page.split("\n") for wrapped in (textwrap.wrap(para, 80) or [""])]
        ops = ["BT", "/F1 11 Tf", "14 TL", "72 740 Td"]
        ops += [f"{_pdf_string(line)} Tj T*" for line in lines]
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects[page_id] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> /Contents {content_id} 0 R >>"
        ).encode()
        objects[content_id] = b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"
    if info_id:
        objects[info_id] = f"<< /Title {_pdf_string(title)} /Producer (filemakers) >>".encode("latin-1")

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for obj_id in sorted(objects):
        offsets[obj_id] = len(out)
        out += b"%d 0 obj\n" % obj_id + objects[obj_id] + b"\nendobj\n"
    size = max(objects) + 1
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for obj_id in range(1, size):
        out += b"%010d 00000 n \n" % offsets[obj_id]
    info = f" /Info {info_id} 0 R" if info_id else ""
    out += f"trailer\n<< /Size {size} /Root 1 0 R{info} >>\nstartxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)


def make_pdf(path: Path, pages: list[str], title: str | None = None) -> Path:
    path.write_bytes(pdf_bytes(pages, title))
    return path


def make_docx(path: Path, paragraphs: list[str], title: str | None = None, author: str | None = None) -> Path:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if title is not None:
        document.core_properties.title = title
    if author is not None:
        document.core_properties.author = author
    document.save(str(path))
    return path


def make_html(
    path: Path,
    paragraphs: list[str],
    *,
    title: str = "Test headline",
    site: str = "Test Gazette",
    published: str = "2024-03-05T08:30:00+02:00",
    canonical: str = "https://gazette.example/news/test-headline",
) -> Path:
    """A news page wrapped in the furniture a real one has: nav, header, footer, scripts, a comment."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    path.write_text(
        f"""<!doctype html>
<html lang="en"><head>
<meta charset="utf-8">
<title>{title} | {site}</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="{site}">
<meta property="article:published_time" content="{published}">
<link rel="canonical" href="{canonical}">
<style>.nav {{ color: red; }} /* STYLE-LEAK */</style>
<script>var tracker = "SCRIPT-LEAK"; console.log(tracker);</script>
</head><body>
<header><div class="logo">HEADER-LEAK {site}</div></header>
<nav class="nav"><ul><li><a href="/">NAV-LEAK Home</a></li><li><a href="/world">NAV-LEAK World</a></li></ul></nav>
<main><article>
<h1>{title}</h1>
<!-- COMMENT-LEAK: editor notes must never reach the article -->
{body}
<script>document.write("SCRIPT-LEAK inline");</script>
</article></main>
<aside>ASIDE-LEAK Most read</aside>
<footer>FOOTER-LEAK Copyright {site}</footer>
</body></html>
""",
        encoding="utf-8",
    )
    return path


# ---------------------------------------------------------------------------------------------
# Hostile and broken files (test_hostile.py, test_fuzz.py)


def docx_bytes(paragraphs: list[str], **props) -> bytes:
    import io

    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    for key, value in props.items():
        setattr(document.core_properties, key, value)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def rezip_docx(data: bytes, transform) -> bytes:
    """The same DOCX with word/document.xml replaced by transform(document.xml)."""
    import io
    import zipfile

    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            member = zin.read(item.filename)
            zout.writestr(item, transform(member) if item.filename == "word/document.xml" else member)
    return out.getvalue()


def docx_with_dtd(paragraphs: list[str], dtd: bytes, reference: bytes) -> bytes:
    """A DOCX whose document.xml declares `dtd` and uses `reference` (an entity) in its first paragraph."""
    first = paragraphs[0].encode()

    def transform(xml: bytes) -> bytes:
        end = xml.index(b"?>") + 2
        return xml[:end] + b"\n" + dtd + xml[end:].replace(first, reference + b" " + first, 1)
    return rezip_docx(docx_bytes(paragraphs), transform)


XXE_DTD = b'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS_DTD = b"<!DOCTYPE w:document [<!ENTITY a0 \"haha\">" + b"".join(
    b'<!ENTITY a%d "%s">' % (i, b"".join(b"&a%d;" % (i - 1) for _ in range(10))) for i in range(1, 10)) + b"]>"


def docx_zip_bomb(expanded: int = 200 * 1024 * 1024) -> bytes:
    """A valid DOCX whose document.xml is padded with `expanded` bytes of spaces (~1000:1)."""
    import io
    import zipfile

    base = docx_bytes(["The council approved the budget on Monday after a long debate."])
    zin = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            member = zin.read(item.filename)
            if item.filename == "word/document.xml":
                with zout.open(item.filename, "w", force_zip64=True) as f:
                    f.write(member)
                    block = b" " * (1024 * 1024)
                    for _ in range(expanded // len(block)):
                        f.write(block)
            else:
                zout.writestr(item, member)
    return out.getvalue()


def encrypted_pdf(pages: list[str], password: str) -> bytes:
    import io

    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_bytes(pages))))
    writer.encrypt(user_password=password, owner_password="owner-" + password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_flate_bomb(text: str, expanded: int = 300 * 1024 * 1024) -> bytes:
    """A PDF whose one content stream inflates to `expanded` bytes (~1000:1)."""
    import zlib

    packer = zlib.compressobj(9)
    stream = packer.compress(f"BT /F1 11 Tf 72 740 Td {_pdf_string(text)} Tj ET\n".encode("latin-1"))
    block = b" " * (1024 * 1024)
    for _ in range(expanded // len(block)):
        stream += packer.compress(block)
    stream += packer.flush()
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        4: b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for obj_id, body in objects.items():
        offsets[obj_id] = len(out)
        out += b"%d 0 obj\n" % obj_id + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 6\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % offsets[i] for i in range(1, 6))
    out += b"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def yaml_alias_bomb(levels: int = 9) -> bytes:
    """Markdown whose front matter expands to 9**levels items through YAML aliases."""
    lines = ["---", "a0: &a0 [" + ", ".join(["lol"] * 9) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    lines += [f"title: *a{levels - 1}", "---", "The council approved the budget on Monday after a long debate."]
    return "\n".join(lines).encode()


def nested_html(depth: int = 100_000) -> bytes:
    return b"<html><body>" + b"<div>" * depth + b"Text at the bottom of a very deep page." + b"</div>" * depth + b"</body></html>"


# ---------------------------------------------------------------------------------------------
# Synthetic corpora for crash and concurrency tests


_WORDS = ("council budget transport minister election hospital river bridge festival court ruling strike "
          "farmers harvest storm flood school teachers museum exhibition airport runway police report "
          "senate vote energy prices factory workers union talks border trade league match coach").split()


def synthetic_articles(n: int, seed: int = 0, prefix: str = "a", min_chars: int = 150, max_chars: int = 900) -> list[dict]:
    """`n` distinct JSONL records; each text holds a unique code word (`{prefix}code{i}`) so a test
    can find it lexically, and lengths vary so that articles have one to several chunks."""
    import random

    rng = random.Random(seed)
    records = []
    for i in range(n):
        code = f"{prefix}code{i:05d}"
        sentences = [f"Report {code} from the {rng.choice(_WORDS)} desk."]
        target = rng.randint(min_chars, max_chars)
        while sum(len(s) + 1 for s in sentences) < target:
            words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 14))]
            sentences.append(" ".join(words).capitalize() + ".")
        records.append({"id": f"{prefix}{i:05d}", "title": f"{code} {rng.choice(_WORDS)}", "text": " ".join(sentences),
                        "date": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "source": rng.choice(["Gazette", "Post", "Herald"])})
    return records


def write_jsonl(path: Path, records: list[dict]) -> Path:
    import json

    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path
