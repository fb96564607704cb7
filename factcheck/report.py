"""The fact-check report an editor keeps: Markdown with the claim, a verdict table, the evidence
quoted with links and dates, and what produced it. Source text is escaped, so links, images
and HTML inside an article cannot act when the report is rendered."""

from __future__ import annotations

from factcheck.claims import ClaimCheck, Evidence, Label
from factcheck.questions import Stance
# The app's escaper, one line at a time (a quote stays inside its table cell or block): a report
# rendered where bare URLs become links (GitHub) is as inert as the app.
from factcheck.ui_text import escape_inline as md_escape

LABEL_TEXT = {Label.SUPPORTED: "Supported", Label.REFUTED: "Refuted", Label.NOT_ENOUGH_INFO: "Not enough information",
              Label.MIXED: "Mixed"}


STANCE_TEXT = {Stance.SUPPORTS: "supports the claim", Stance.REFUTES: "contradicts the claim", Stance.NONE: "says neither"}


def anchor(e: Evidence) -> str:
    return f"source-{e.doc_id[:12]}"


def _link(e: Evidence) -> str:
    """The article's own URL when it has one, otherwise its entry in this report's source list."""
    label = md_escape(e.label())
    if e.url and e.url.startswith(("http://", "https://")):
        return f"[{label}](<{e.url.replace('>', '%3E').replace(' ', '%20')}>)"
    return f"[{label}](#{anchor(e)})"


def to_markdown(check: ClaimCheck, claimreview: dict | None = None, claimreview_file: str | None = None) -> str:
    """The report; with `claimreview` (factcheck/claimreview.py) it ends with that JSON-LD, to paste
    into the published page, and names the file it was also written to."""
    lines = ["# Fact-check report", "", f"**Claim:** {md_escape(check.claim)}", "",
             f"**Verdict: {LABEL_TEXT[check.verdict]}**", ""]
    if check.weighed:
        lines += [check.weighed_text(), ""]
    if check.as_of:
        lines += [f"Claim date: {check.as_of.isoformat()} (evidence published later is marked)", ""]
    lines += ["| # | Part of the claim | Verdict | Confidence | Evidence |", "|---|---|---|---|---|"]
    for i, part in enumerate(check.parts, 1):
        cited = ", ".join(_link(e) for e in part.evidence if e.n in part.cites) or "none"
        lines.append(f"| {i} | {md_escape(part.claim)} | {LABEL_TEXT[part.verdict]} | {part.confidence:.2f} | {cited} |")
    lines.append("")
    for i, part in enumerate(check.parts, 1):
        lines += [f"## {i}. {md_escape(part.claim)}", "", f"**{LABEL_TEXT[part.verdict]}.** {md_escape(part.explanation)}", ""]
        if part.corroboration:  # copies of one wire story count once
            lines += [f"Independent sources: {md_escape(part.corroboration.text())}.", ""]
        if part.questions:
            lines += ["Questions asked of the sources:", ""]
            for k, f in enumerate(part.questions, 1):
                said = "not answered" if f.abstained else STANCE_TEXT[f.stance]
                why = f" ({md_escape(f.why)})" if f.why and not f.abstained else ""
                lines.append(f"{k}. *{md_escape(f.question)}* — {md_escape(f.answer)} → {said}{why}")
            lines.append("")
        if not part.evidence:
            lines += ["No passage in the corpus matches this part.", ""]
        for e in part.evidence:
            role = "cited" if e.n in part.cites else "read"
            late = " · published after the claim's date" if e.after_claim_date else ""
            copies = ""
            if e.copies:
                outlets = ", ".join(dict.fromkeys(c.source or "unknown outlet" for c in e.copies))
                copies = f" · also in {md_escape(outlets)}; origin {md_escape(e.origin_name or 'unknown outlet')}"
            lines += [f"[{e.n}] {_link(e)} ({role}{late}{copies})", "", f"> {md_escape(e.quote)}", ""]
    sources: dict[str, Evidence] = {}
    for part in check.parts:
        for e in part.evidence:
            sources.setdefault(e.doc_id, e)
    if sources:
        lines += ["## Sources", ""]
        for e in sources.values():
            bits = [md_escape(e.title) if e.title else None, md_escape(e.source) if e.source else None,
                    e.date.isoformat() if e.date else "undated", md_escape(e.url) if e.url else None,
                    f"id {e.doc_id}" + (f" ({md_escape(e.external_id)})" if e.external_id else "")]
            lines.append(f'- <a id="{anchor(e)}"></a>' + " · ".join(b for b in bits if b))
        lines.append("")
    if claimreview is not None:
        from factcheck.claimreview import dumps

        lines += ["## ClaimReview (schema.org)", ""]
        if claimreview_file:
            lines += [f"Also in [{md_escape(claimreview_file)}](<{claimreview_file.replace('>', '%3E').replace(' ', '%20')}>). "
                      "Put it in the published page inside `<script type=\"application/ld+json\">`.", ""]
        # dumps() escapes every backtick, so no quote can close the fence.
        lines += ["```json", dumps(claimreview), "```", ""]
    lines += ["---", "", f"Made {check.made_at.isoformat()} with {md_escape(check.model)} over {md_escape(check.corpus)}.", ""]
    return "\n".join(lines)
