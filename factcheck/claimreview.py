"""A claim check as schema.org ClaimReview JSON-LD: the form fact-checkers publish their verdicts in,
which search engines and fact-check databases read (https://schema.org/ClaimReview, and Google's
fact-check markup: claimReviewed, reviewRating with alternateName, and url are required there;
author, datePublished and itemReviewed are recommended).

The verdict is the archive's, not a ruling on the world: "Supported by the sources", never "True".
Quotes from sources travel as data: the JSON is written with <, >, & and ` escaped, so it can be
put inside a <script type="application/ld+json"> element or a fenced Markdown block and no
article's text can close either.
"""

from __future__ import annotations

import hashlib
import json
from urllib.parse import quote

from pydantic import BaseModel, Field

from factcheck.claims import ClaimCheck, Label
# Only plain http(s) addresses are published; javascript:, data: or a bare path is left out.
from factcheck.ui_text import safe_link


class ClaimReviewParams(BaseModel):
    """Who publishes the fact checks (FACTCHECK_CLAIMREVIEW__ORGANIZATION etc.)."""

    organization: str | None = Field(None, description="The newsroom named as the author of every ClaimReview")
    organization_url: str | None = Field(None, description="Its home page")
    # Google requires the address of the page that hosts the fact check; {id} becomes the check's id.
    url: str | None = Field(None, description="Address of the published fact check, e.g. "
                            "https://newsroom.example/fact-checks/{id}; {id} is replaced by the check's id")


# One ordinal scale for every export, 1 (refuted) to 3 (supported). NOT_ENOUGH_INFO is no point on
# a scale of truth: it carries no ratingValue, only its words.
WORST, BEST = 1, 3
RATING = {
    Label.REFUTED: (1, "Refuted", "Refuted by the sources"),
    Label.MIXED: (2, "Partly supported", "Partly supported by the sources"),
    Label.SUPPORTED: (3, "Supported", "Supported by the sources"),
    Label.NOT_ENOUGH_INFO: (None, "Unproven", "Not enough evidence in the sources"),
}


def check_id(check: ClaimCheck) -> str:
    """A stable id for one check (the claim and when it was made): the same in the history, the
    report and the published address."""
    return hashlib.sha256(f"{check.claim}\0{check.made_at.isoformat()}".encode()).hexdigest()[:16]


def to_claimreview(check: ClaimCheck, params: ClaimReviewParams | None = None, *, claimant: str | None = None,
                   appearance: list[str] | None = None) -> dict:
    """The ClaimReview of a check. `claimant` (who made the claim) and `appearance` (where it
    appeared) are what the editor knows; the claim's date is the check's as-of date when it has one."""
    p = params or ClaimReviewParams()
    value, name, words = RATING[check.verdict]
    rating = {"@type": "Rating", "alternateName": words, "name": name, "worstRating": WORST, "bestRating": BEST}
    if value is not None:
        rating["ratingValue"] = value
    explained = " ".join(([check.weighed_text()] if check.weighed else [])
                         + [f"{part.claim} {part.explanation}" if len(check.parts) > 1 else part.explanation
                            for part in check.parts])
    if explained:
        rating["ratingExplanation"] = explained
    claim: dict = {"@type": "Claim"}
    if claimant and claimant.strip():
        claim["author"] = {"@type": "Person", "name": claimant.strip()}
    places = [u for u in (safe_link(a) for a in appearance or []) if u]
    if places:
        claim["appearance"] = [{"@type": "CreativeWork", "url": u} for u in places]
        claim["firstAppearance"] = {"@type": "CreativeWork", "url": places[0]}
    if check.as_of:
        claim["datePublished"] = check.as_of.isoformat()
    doc: dict = {"@context": "https://schema.org", "@type": "ClaimReview", "claimReviewed": check.claim,
                 "itemReviewed": claim, "reviewRating": rating, "datePublished": check.made_at.date().isoformat(),
                 "identifier": check_id(check)}
    if p.organization and p.organization.strip():
        author = {"@type": "Organization", "name": p.organization.strip()}
        if safe_link(p.organization_url):
            author["url"] = safe_link(p.organization_url)
        doc["author"] = author
    if p.url:
        url = safe_link(p.url.replace("{id}", quote(check_id(check))))
        if url:
            doc["url"] = url
    cited = []
    for part in check.parts:
        for e in part.evidence:
            if e.n in part.cites and e.doc_id not in {c["identifier"] for c in cited}:
                work = {"@type": "CreativeWork", "identifier": e.doc_id}
                for key, v in (("headline", e.title), ("url", safe_link(e.url)),
                               ("datePublished", e.date.isoformat() if e.date else None)):
                    if v:
                        work[key] = v
                if e.source:
                    work["publisher"] = {"@type": "Organization", "name": e.source}
                cited.append(work)
    if cited:
        doc["citation"] = cited
    return doc


def missing(doc: dict) -> list[str]:
    """What the export lacks that Google's fact-check markup requires or recommends, as settings to set."""
    notes = []
    if "url" not in doc:
        notes.append("no url (required by Google's fact-check markup): set FACTCHECK_CLAIMREVIEW__URL, "
                     "e.g. https://newsroom.example/fact-checks/{id}")
    if "author" not in doc:
        notes.append("no author (recommended): set FACTCHECK_CLAIMREVIEW__ORGANIZATION to the newsroom's name")
    return notes


def dumps(doc: dict, indent: int | None = 2) -> str:
    """JSON text safe inside HTML and Markdown: <, >, & and ` are written as \\u escapes."""
    text = json.dumps(doc, ensure_ascii=False, indent=indent)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("`", "\\u0060")):
        text = text.replace(ch, esc)
    return text


def script_tag(doc: dict) -> str:
    """The element a web page carries the review in."""
    return f'<script type="application/ld+json">\n{dumps(doc)}\n</script>'
