"""A claim's verdict weighed from its readings (factcheck/weighing.py): the signals read from made-up
readings, the fit on made-up data, the shipped weights, and the pipeline deciding with them."""

import pytest

from factcheck.claims import Evidence, Label, PartVerdict, Prior
from factcheck.questions import Finding, Stance
from factcheck.weighing import LABELS, SIGNALS, WEIGHTS_DIR, Weights, fit, leans_right, signals, weights


def passage(n: int, p_true: float, p_false: float, overlap: float = 0.5) -> Evidence:
    return Evidence(n=n, doc_id="d", chunk_id=f"d:{n}", start=0, end=10, quote="A passage.", source="s",
                    p_true=p_true, p_false=p_false, overlap=overlap)


def finding(stance: Stance, abstained: bool = False, answerable: float = 0.5) -> Finding:
    return Finding(question="Q?", answer="A.", abstained=abstained, stance=stance, answerable_p=answerable)


def test_signals_take_the_prior_out_of_each_passage_and_count_the_answers():
    q = PartVerdict(claim="c", verdict=Label.NOT_ENOUGH_INFO, confidence=0.5, explanation="",
                    questions=[finding(Stance.SUPPORTS, answerable=0.4), finding(Stance.SUPPORTS, answerable=0.9),
                               finding(Stance.NONE, abstained=True), finding(Stance.NONE, abstained=True)])
    p = PartVerdict(claim="c", verdict=Label.NOT_ENOUGH_INFO, confidence=0.5, explanation="",
                    prior=Prior(p_true=0.3, p_false=0.1),
                    evidence=[passage(1, 0.5, 0.1, overlap=0.8), passage(2, 0.2, 0.6, overlap=0.3)])
    s = signals(q, [p])
    assert set(s) == set(SIGNALS)
    assert s["polar_supports"] == 1.0
    assert s["answers_missing"] == pytest.approx(2 / 3) and s["answerable"] == 0.9
    # Less the prior, plus 0.5: passage 1 reads 0.7 / 0.5, passage 2 0.4 / 1.0.
    assert s["support_margin"] == pytest.approx(0.2) and s["refute_margin"] == pytest.approx(0.6)
    assert s["overlap"] == 0.8 and s["prior_true"] == 0.3 and s["parts"] == 1.0
    assert signals(None, [])["parts"] == 0.0  # nothing read: every signal still has a value


def made_up(label: str, k: int) -> dict[str, float]:
    s = {name: 0.0 for name in SIGNALS}
    s["support_margin"] = 0.6 + 0.01 * k if label == "SUPPORTED" else 0.05 * (k % 3)
    s["refute_margin"] = 0.6 + 0.01 * k if label == "REFUTED" else 0.05 * (k % 3)
    s["answers_missing"] = 1.0 if label == "NOT_ENOUGH_INFO" else 0.2 * (k % 2)
    s["polar_supports"] = float(label == "SUPPORTED" and k % 2 == 0)
    return s


def test_the_fit_learns_which_signal_says_which_label():
    rows = [made_up(label, k) for label in LABELS for k in range(10)]
    w = fit(rows, [label for label in LABELS for _ in range(10)], strength=0.01, balance=1.0)
    for label in LABELS:
        p = w.probabilities(made_up(label, 5))
        assert max(p, key=p.get) == label and sum(p.values()) == pytest.approx(1.0, abs=1e-3)


def test_the_shipped_weights_read_every_signal_and_lean_the_right_way():
    w = weights("claims_news.json")
    assert w.signals == list(SIGNALS) and w.labels == LABELS and len(w.weights) == len(SIGNALS) + 1
    assert "averitec_given" in w.fitted_on and leans_right(w)
    base = {name: mean for name, mean in zip(w.signals, w.mean)}
    leaning_false = {**base, "refute_margin": base["refute_margin"] + 0.3, "support_margin": base["support_margin"] - 0.3}
    leaning_true = {**base, "support_margin": base["support_margin"] + 0.3, "refute_margin": base["refute_margin"] - 0.3}
    assert w.probabilities(leaning_false)["REFUTED"] > w.probabilities(leaning_true)["REFUTED"]
    assert w.probabilities(leaning_true)["SUPPORTED"] > w.probabilities(leaning_false)["SUPPORTED"]
    assert Weights.load(str(WEIGHTS_DIR / "claims_news.json")) == w  # by path too


def test_a_strong_penalty_shrinks_the_weights_and_never_breaks_the_fit():
    rows = [made_up(label, k) for label in LABELS for k in range(10)]
    labels = [label for label in LABELS for _ in range(10)]
    sizes = [max(abs(v) for row in fit(rows, labels, strength=s, balance=1.0).weights[:-1] for v in row)
             for s in (0.01, 1.0, 10.0, 100.0)]
    assert all(a > b > 0 for a, b in zip(sizes, sizes[1:]))  # finite, and smaller as the penalty grows


def test_weights_that_lean_the_wrong_way_are_found():
    rows = [made_up(label, k) for label in LABELS for k in range(10)]
    w = fit(rows, [label for label in LABELS for _ in range(10)], strength=0.01, balance=1.0)
    assert leans_right(w)
    flipped = w.model_copy(update={"weights": [[-v for v in row] if name == "refute_margin" else row
                                               for name, row in zip(w.signals + ["bias"], w.weights)]})
    assert not leans_right(flipped)


def test_a_weighed_verdict_names_what_moved_it_most_with_its_usual_value():
    names = list(SIGNALS)
    rows = [[0.0, 0.0, 0.0] for _ in names] + [[0.0, 0.0, 0.0]]
    rows[names.index("refute_margin")] = [-1.0, 2.0, 0.0]  # leaning to "contradicts" says REFUTED
    rows[names.index("parts")] = [0.0, 0.1, 0.0]  # more statements, a little more REFUTED
    w = Weights(labels=LABELS, signals=names, mean=[0.0] * len(names), scale=[1.0] * len(names), weights=rows)
    values = {**{n: 0.0 for n in names}, "refute_margin": 0.3, "parts": 2.0, "overlap": 0.9}
    said = w.reasons(values)
    assert max(w.probabilities(values), key=w.probabilities(values).get) == "REFUTED"
    assert said[0] == "strongest leaning of a passage to “contradicts”, beyond the claim's wording alone: +0.30 (usually +0.00)"
    assert said[1] == "checkable statements the claim was split into: 2 (usually 0.0)"
    assert len(said) == 2 and not any("words" in x for x in said)  # a signal with no weight moves nothing
    # Below its usual value the same signal speaks for the other verdict, and is named as its reason.
    low = {**values, "refute_margin": -0.3, "parts": 0.0}
    assert max(w.probabilities(low), key=w.probabilities(low).get) == "SUPPORTED"
    assert w.reasons(low) == ["strongest leaning of a passage to “contradicts”, beyond the claim's wording alone: -0.30 (usually +0.00)"]
    # Every signal has its words: alone in the weights, it is the reason given, with its usual value.
    for k, name in enumerate(names):
        alone = [[0.0, 0.0, 0.0] for _ in names] + [[0.0, 0.0, 0.0]]
        alone[k] = [0.0, 1.0, 0.0]
        said = Weights(labels=LABELS, signals=names, mean=[0.0] * len(names), scale=[1.0] * len(names),
                       weights=alone).reasons({**{n: 0.0 for n in names}, name: 1.0})
        assert len(said) == 1 and said[0].startswith(SIGNALS[name][0] + ": ")
        assert ("(usually" in said[0]) == (name != "polar_supports")


def test_the_pipeline_weighs_only_where_the_questions_did_not_refute(seeded):
    from factcheck.claims import Checker, ClaimParams
    from factcheck.report import to_markdown
    from retrieval.search import Searcher
    from tests.test_questions import scripted_reader

    # The questions find nothing either way: the verdict is weighed, and says so.
    quiet = scripted_reader("Who offered to host the talks?", {})
    claim = "Swiss Foreign Minister Ignazio Cassis said Switzerland was ready to host trilateral talks."
    c = Checker(Searcher(seeded), quiet, ClaimParams(method="both")).check(claim)
    assert c.weighed is not None and set(c.weighed) == set(LABELS)
    assert c.verdict.value == max(c.weighed, key=c.weighed.get) and len(c.parts) >= 2
    assert c.weighed_text() in to_markdown(c) and "real-world claims" in c.weighed_text()
    assert c.weighed_by and all(reason in c.weighed_text() for reason in c.weighed_by)
    rules = Checker(Searcher(seeded), quiet, ClaimParams(method="both", weights=None)).check(claim)
    assert rules.weighed is None
    # A refutation the questions find stands, quoted; nothing is weighed.
    asked = "When did Putin and Zelensky last meet?"
    sure = scripted_reader(asked, {asked: "Putin and Zelensky have not met since 2019 [1]."})
    r = Checker(Searcher(seeded), sure, ClaimParams(method="both", stop_early=False)).check(
        "Putin and Zelensky met in Abu Dhabi in 2024.")
    assert r.verdict is Label.REFUTED and r.weighed is None
    # The science preset reads the probabilities alone, by its thresholds.
    assert ClaimParams(preset="science").weights is None and ClaimParams().weights == "claims_news.json"


def test_a_verdict_rests_on_a_passage_about_the_claim_or_an_answer():
    from factcheck.claims import ClaimParams, rests_on_sources

    p = ClaimParams()
    off_topic = PartVerdict(claim="c", verdict=Label.NOT_ENOUGH_INFO, confidence=0.5, explanation="",
                            evidence=[passage(1, 0.2, 0.9, overlap=0.1)])
    on_topic = off_topic.model_copy(update={"evidence": [passage(1, 0.2, 0.9, overlap=0.9)]})
    unanswered = PartVerdict(claim="c", verdict=Label.NOT_ENOUGH_INFO, confidence=0.5, explanation="",
                             questions=[finding(Stance.NONE, abstained=True)])
    answered = unanswered.model_copy(update={"questions": [finding(Stance.NONE)]})
    assert not rests_on_sources([unanswered, off_topic], p)
    assert rests_on_sources([unanswered, on_topic], p) and rests_on_sources([answered, off_topic], p)


def test_a_weighed_verdict_says_so_wherever_the_verdict_is_explained():
    import datetime as dt

    from factcheck.chains import check_text
    from factcheck.claimreview import to_claimreview
    from factcheck.claims import ClaimCheck
    from factcheck.draft import DraftVerdict, draft_markdown, new_draft
    from factcheck.ui_text import escape_inline as md_escape

    part = PartVerdict(claim="The bridge cost $40 million.", verdict=Label.NOT_ENOUGH_INFO, confidence=0.4,
                       explanation="The closest passage [1] neither states nor contradicts it.",
                       evidence=[passage(1, 0.3, 0.7, overlap=0.8)])
    c = ClaimCheck(claim=part.claim, as_of=None, verdict=Label.REFUTED, parts=[part],
                   made_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
                   weighed={"SUPPORTED": 0.1, "REFUTED": 0.7, "NOT_ENOUGH_INFO": 0.2},
                   weighed_by=["share of the model's own questions the sources left unanswered: 75% (usually 52%)"])
    said = c.weighed_text()
    assert "refuted 70%" in said and "supported 10%" in said
    assert said.endswith("What weighed most: share of the model's own questions the sources left unanswered: 75% (usually 52%).")
    assert said in check_text(c) and said in to_claimreview(c)["reviewRating"]["ratingExplanation"]
    d = new_draft("The bridge cost $40 million.")
    d.verdicts = [DraftVerdict(sentence=d.claims()[0], check=c)]
    md = draft_markdown(d)
    assert said in md and md_escape(said) in md  # under the claim, and (escaped, as every cell) in the table's "why"
    assert c.model_copy(update={"weighed": None}).weighed_text() is None
