"""ClaimReview export: the JSON-LD of a check is checked here against what schema.org defines and
what Google's fact-check markup requires, from the module, the CLI, the report and the app; and
once for a real check with the embedded model (slow)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from typer.testing import CliRunner

from factcheck.claimreview import ClaimReviewParams, check_id, dumps, missing, script_tag, to_claimreview
from factcheck.claims import ClaimCheck, Evidence, Label, PartVerdict

PARAMS = ClaimReviewParams(organization="Desk Weekly", organization_url="https://desk.example/",
                           url="https://desk.example/fact-checks/{id}")

# The properties schema.org defines on each type used (its own and those it inherits from Review,
# CreativeWork, Thing), as far as an export could use them: a misspelt or invented one fails.
THING = {"@type", "@context", "name", "alternateName", "url", "identifier", "description", "sameAs", "image"}
CREATIVE_WORK = THING | {"author", "datePublished", "dateModified", "headline", "publisher", "citation", "inLanguage",
                         "text", "creator", "dateCreated"}
PROPERTIES = {
    "ClaimReview": CREATIVE_WORK | {"claimReviewed", "itemReviewed", "reviewRating", "reviewBody", "reviewAspect"},
    "Claim": CREATIVE_WORK | {"appearance", "firstAppearance", "claimInterpreter"},
    "Rating": THING | {"ratingValue", "bestRating", "worstRating", "ratingExplanation", "author", "reviewAspect"},
    "CreativeWork": CREATIVE_WORK,
    "Organization": THING | {"legalName", "logo"},
    "Person": THING | {"givenName", "familyName"},
}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$")


def assert_valid_claimreview(doc: dict, *, require_url: bool = True) -> None:
    """schema.org's types and properties, and Google's fact-check markup: claimReviewed,
    reviewRating with alternateName, and url are required; author (an Organization with a name),
    datePublished and itemReviewed (a Claim) are checked whenever present."""
    assert doc["@context"] in ("https://schema.org", "http://schema.org", "https://schema.org/")
    assert doc["@type"] == "ClaimReview"

    def walk(node, where):
        if isinstance(node, list):
            for x in node:
                walk(x, where)
            return
        if not isinstance(node, dict):
            return
        kind = node.get("@type")
        assert kind in PROPERTIES, f"{where}: unknown type {kind!r}"
        unknown = set(node) - PROPERTIES[kind]
        assert not unknown, f"{where} ({kind}): not schema.org properties {unknown}"
        for key, value in node.items():
            walk(value, f"{where}.{key}")
    walk(doc, "ClaimReview")

    # Required by Google.
    assert isinstance(doc["claimReviewed"], str) and doc["claimReviewed"].strip()
    rating = doc["reviewRating"]
    assert rating["@type"] == "Rating" and isinstance(rating["alternateName"], str) and rating["alternateName"].strip()
    assert rating["alternateName"] not in doc["claimReviewed"]  # the rating is not put in the claim
    if require_url:
        assert re.match(r"^https?://[^/\s]+/", doc["url"]), doc.get("url")
    # A number to text rating system: a value lies within its scale.
    if "ratingValue" in rating:
        assert all(isinstance(rating[k], (int, float)) for k in ("ratingValue", "bestRating", "worstRating"))
        assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
    # Recommended, when present.
    if "author" in doc:
        assert doc["author"]["@type"] in ("Organization", "Person") and doc["author"]["name"].strip()
    for node in (doc, doc.get("itemReviewed", {})):
        if "datePublished" in node:
            assert ISO_DATE.match(node["datePublished"]), node["datePublished"]
    if "itemReviewed" in doc:
        claim = doc["itemReviewed"]
        assert claim["@type"] == "Claim"
        for key in ("appearance", "firstAppearance"):
            for work in (claim[key] if isinstance(claim.get(key), list) else [claim[key]] if key in claim else []):
                assert re.match(r"^https?://", work["url"])


def made_check(verdict: Label = Label.REFUTED, quote: str = "Putin and Zelensky have not met since 2019.") -> ClaimCheck:
    e = Evidence(n=1, doc_id="doc1", chunk_id="doc1:0", quote=quote, start=0, end=len(quote), source="Kyiv Post",
                 title="Talks in Abu Dhabi", date=dt.date(2026, 1, 28), url="https://www.kyivpost.com/post/1")
    part = PartVerdict(claim="Putin and Zelensky met in Abu Dhabi in January 2026.", verdict=verdict, confidence=0.9,
                       cites=[1] if verdict is not Label.NOT_ENOUGH_INFO else [], evidence=[e],
                       explanation=f"[1] (Kyiv Post, 2026-01-28) contradicts it by saying “{quote}”.")
    return ClaimCheck(claim=part.claim, as_of=dt.date(2026, 1, 27), verdict=verdict, parts=[part], model="scripted",
                      corpus="1 articles, 3 passages (embedded)", made_at=dt.datetime(2026, 2, 1, 9, 30, tzinfo=dt.timezone.utc))


@pytest.mark.parametrize("verdict", list(Label))
def test_every_verdict_exports_a_valid_claimreview(verdict):
    check = made_check(verdict)
    doc = to_claimreview(check, PARAMS, claimant="A viral post", appearance=["https://social.example/p/1"])
    assert_valid_claimreview(doc)
    assert doc["claimReviewed"] == check.claim and doc["datePublished"] == "2026-02-01"
    assert doc["url"] == f"https://desk.example/fact-checks/{check_id(check)}"
    assert doc["author"] == {"@type": "Organization", "name": "Desk Weekly", "url": "https://desk.example/"}
    claim = doc["itemReviewed"]
    assert claim["author"]["name"] == "A viral post" and claim["datePublished"] == "2026-01-27"
    assert claim["appearance"] == [{"@type": "CreativeWork", "url": "https://social.example/p/1"}]
    rating = doc["reviewRating"]
    assert "the sources" in rating["alternateName"].lower() or verdict is Label.NOT_ENOUGH_INFO
    assert ("ratingValue" in rating) == (verdict is not Label.NOT_ENOUGH_INFO)  # no place on a scale of truth
    if verdict is not Label.NOT_ENOUGH_INFO:
        assert doc["citation"][0]["publisher"]["name"] == "Kyiv Post"
    assert missing(doc) == []


def test_ratings_are_ordered_refuted_mixed_supported():
    values = [to_claimreview(made_check(v))["reviewRating"]["ratingValue"] for v in (Label.REFUTED, Label.MIXED, Label.SUPPORTED)]
    assert values == sorted(values) and len(set(values)) == 3


def test_without_settings_the_gaps_are_named_and_unsafe_links_left_out():
    doc = to_claimreview(made_check(), ClaimReviewParams(url="javascript:alert(1)//{id}"),
                         appearance=["javascript:alert(1)", "/relative", "https://ok.example/a"])
    assert "url" not in doc and "author" not in doc
    assert_valid_claimreview(doc, require_url=False)
    assert [w["url"] for w in doc["itemReviewed"]["appearance"]] == ["https://ok.example/a"]
    notes = " ".join(missing(doc))
    assert "FACTCHECK_CLAIMREVIEW__URL" in notes and "FACTCHECK_CLAIMREVIEW__ORGANIZATION" in notes


def test_source_text_cannot_break_out_of_a_script_element_or_a_markdown_fence():
    hostile = "They met.</script><script>alert(1)</script> ``` & <!-- x"
    doc = to_claimreview(made_check(quote=hostile), PARAMS)
    text = dumps(doc)
    assert not set("<>`&") & set(text)
    assert json.loads(text) == doc  # the escapes are plain JSON: the data is unchanged
    tag = script_tag(doc)
    assert tag.count("</script>") == 1 and tag.endswith("</script>")


# ---- the CLI and the report -------------------------------------------------------------------
class Fixed:
    """A checker that returns a made check for whatever claim it is given (no model)."""

    def check(self, text, when=None, sources=None):
        return made_check().model_copy(update={"claim": text, "as_of": when})


@pytest.fixture
def cli(tmp_path, monkeypatch):
    from factcheck.cli import app
    from factcheck.settings import Settings

    monkeypatch.setattr(Settings, "build_checker", lambda self, *a, **k: Fixed())
    for k, v in {"ORGANIZATION": "Desk Weekly", "URL": "https://desk.example/fc/{id}"}.items():
        monkeypatch.setenv(f"FACTCHECK_CLAIMREVIEW__{k}", v)
    runner = CliRunner()
    return lambda *args, **kw: runner.invoke(app, ["--data-dir", str(tmp_path / "d"), *args], catch_exceptions=False, **kw)


def test_cli_writes_the_claimreview_and_the_report_embeds_and_links_it(cli, tmp_path):
    out, md = tmp_path / "review.json", tmp_path / "report.md"
    r = cli("check", "Putin and Zelensky met in Abu Dhabi.", "--as-of", "2026-01-27", "--claimreview", str(out),
            "--report", str(md), "--claimant", "A viral post", "--appearance", "https://social.example/p/1")
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert_valid_claimreview(doc)
    assert doc["author"]["name"] == "Desk Weekly" and doc["url"].startswith("https://desk.example/fc/")
    assert doc["itemReviewed"]["author"]["name"] == "A viral post"
    report = md.read_text()
    assert "## ClaimReview (schema.org)" in report and str(out) in report
    block = report.split("```json\n", 1)[1].split("\n```", 1)[0]
    assert json.loads(block) == doc
    assert f"ClaimReview written to {out}" in r.stdout


def test_cli_batch_writes_one_review_per_claim_checked(cli, tmp_path):
    out = tmp_path / "reviews.json"
    lines = "\n".join(json.dumps({"id": i, "claim": c}) for i, c in enumerate(["One claim here.", "Another claim."]))
    r = cli("check", "--claims", "-", "--json", "--claimreview", str(out), input=lines + "\nnot json\n")
    assert r.exit_code == 3  # the bad line fails; the others keep their reviews
    docs = json.loads(out.read_text())
    assert [d["claimReviewed"] for d in docs] == ["One claim here.", "Another claim."]
    for d in docs:
        assert_valid_claimreview(d)


def test_cli_refuses_a_review_path_in_no_folder_before_checking(cli, tmp_path):
    r = cli("check", "A claim.", "--claimreview", str(tmp_path / "nowhere" / "r.json"))
    assert r.exit_code == 2 and "no folder" in r.output


def test_cli_without_settings_says_what_to_set(tmp_path, monkeypatch):
    from factcheck.cli import app
    from factcheck.settings import Settings

    for var in ("FACTCHECK_CLAIMREVIEW__URL", "FACTCHECK_CLAIMREVIEW__ORGANIZATION"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(Settings, "build_checker", lambda self, *a, **k: Fixed())
    out = tmp_path / "r.json"
    r = CliRunner().invoke(app, ["--data-dir", str(tmp_path / "d"), "check", "A claim.", "--claimreview", str(out)])
    assert r.exit_code == 0 and "FACTCHECK_CLAIMREVIEW__URL" in r.stderr
    assert_valid_claimreview(json.loads(out.read_text()), require_url=False)


# ---- the app ----------------------------------------------------------------------------------
def test_the_app_offers_the_claimreview_of_a_verdict(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    monkeypatch.setenv("FACTCHECK_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("FACTCHECK_CLAIMREVIEW__ORGANIZATION", "Desk Weekly")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["check"] = made_check().model_dump(mode="json")  # as a finished check leaves it
    at.run()
    assert not at.exception, at.exception
    buttons = {b.label: b for b in at.get("download_button")}
    assert "Download ClaimReview (JSON-LD)" in buttons, list(buttons)


# ---- a real check -----------------------------------------------------------------------------
@pytest.mark.slow
def test_claimreview_of_a_real_check_is_valid(seeded, local_llm):
    from factcheck.claims import Checker
    from retrieval.search import Searcher

    check = Checker(Searcher(seeded), local_llm).check("Putin and Zelensky met in Abu Dhabi in January 2026.",
                                                       as_of=dt.date(2026, 1, 27))
    doc = json.loads(dumps(to_claimreview(check, PARAMS, claimant="A viral post")))
    assert_valid_claimreview(doc)
    assert doc["reviewRating"]["name"] != "Supported"  # the article says they have not met since 2019
    assert doc["itemReviewed"]["datePublished"] == "2026-01-27"
