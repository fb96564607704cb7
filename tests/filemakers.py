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
