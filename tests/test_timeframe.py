"""A question that names a time ("this week", "on Tuesday") is answered from reports of that time only."""

import datetime as dt
import json

from factcheck.answer import AnswerParams, Answerer, Citation, judge
from factcheck.timeframe import Frame, frame, since, window_days, year_named
from retrieval.search import Searcher

from tests.fakes import ScriptedModel

THURSDAY = dt.date(2022, 6, 23)


def test_named_times_set_how_old_the_evidence_may_be():
    assert since("Which automaker recalled 2.9 million vehicles this week?", THURSDAY) == dt.date(2022, 6, 15)
    assert since("What NFL star announced his retirement on Tuesday?", THURSDAY) == dt.date(2022, 6, 15)
    assert since("What did the mayor say yesterday?", THURSDAY) == dt.date(2022, 6, 20)
    assert since("Which company was in the news last week?", THURSDAY) == dt.date(2022, 6, 8)
    assert since("Which singer will launch a residency later this year?", THURSDAY) == dt.date(2022, 1, 1)
    # The shortest frame named wins: "this year ... this week" is this week.
    assert window_days("What record fell this week, the fastest this year?") == 8


def test_questions_without_a_time_or_about_an_earlier_year_take_any_date():
    for q in ["When did Putin and Zelensky last meet?",  # the "last" meeting, not "last week"
              "Who is Yuri Ushakov?", "What is the latest on the talks?"]:
        assert since(q, THURSDAY) is None, q
    assert since("Who won the vote on Monday, March 3, 2019?", THURSDAY) is None


def passage(n: int, doc_id: str, quote: str, date: dt.date | None = None) -> Citation:
    return Citation(n=n, doc_id=doc_id, chunk_id=f"{doc_id}:0", quote=quote, start=0, end=len(quote), date=date)


OLD = passage(1, "a", "Toyota recalled 2.9 million vehicles over faulty seat belts.", dt.date(2016, 7, 6))
NEW = passage(2, "b", "Ford recalled 2.9 million vehicles on Tuesday over a rollaway risk.", dt.date(2022, 6, 21))
UNDATED = passage(3, "c", "Toyota recalled 2.9 million vehicles, the company said.")
Q = "Which automaker recalled 2.9 million vehicles this week?"


def test_a_passage_older_than_the_time_the_question_names_cannot_back_the_answer():
    this_week = frame(Q, THURSDAY)
    old = judge("Toyota recalled 2.9 million vehicles [1].", [OLD, NEW], AnswerParams().checks, Q, this_week)[0]
    assert not old.supported and "dated before 2022-06-15" in old.reason
    undated = judge("Toyota recalled 2.9 million vehicles [3].", [OLD, NEW, UNDATED], AnswerParams().checks, Q, this_week)[0]
    assert not undated.supported  # nothing shows it is of this week
    new = judge("Ford recalled 2.9 million vehicles [2].", [OLD, NEW], AnswerParams().checks, Q, this_week)[0]
    assert new.supported and new.cites == [2]
    # Without a frame the old passage backs it, as before.
    assert judge("Toyota recalled 2.9 million vehicles [1].", [OLD, NEW], AnswerParams().checks, Q)[0].supported


def test_a_sentence_citing_an_old_and_a_new_passage_keeps_only_the_new_one():
    both = judge("Ford recalled 2.9 million vehicles [1][2].", [OLD, NEW], AnswerParams().checks, Q, frame(Q, THURSDAY))[0]
    assert both.supported and both.cites == [2]


def test_asked_about_this_week_a_month_later_the_pipeline_abstains_and_shows_what_it_found(seeded):
    """The seed article is dated 2026-01-28; asked on 2026-03-01 about "this week", it is too old
    to answer, and it is shown as the closest passage with the reason."""
    model = ScriptedModel("Putin and Zelensky have not met since 2019 [1].", 0.99)
    ans = Answerer(Searcher(seeded), model).ask("Did Putin and Zelensky agree to meet this week?", dt.date(2026, 3, 1))
    assert ans.abstained and "dated before 2026-02-21" in ans.reason
    assert ans.passages and all(p.date == dt.date(2026, 1, 28) for p in ans.passages)
    fresh = Answerer(Searcher(seeded), model).ask("Did Putin and Zelensky agree to meet this week?", dt.date(2026, 1, 30))
    assert not fresh.abstained and "2019 [1]" in fresh.text
    off = Answerer(Searcher(seeded), model, AnswerParams(time_frame=False))
    assert not off.ask("Did Putin and Zelensky agree to meet this week?", dt.date(2026, 3, 1)).abstained


MASTERS = "Which professional golfer won the 2023 Masters Tournament?"
OLD_WIN = passage(1, "d", "Tiger Woods won the Masters Tournament for a fifth time.", dt.date(2019, 4, 15))
NEW_WIN = passage(2, "e", "Jon Rahm won the Masters Tournament on Sunday.", dt.date(2023, 4, 10))
UNDATED_WIN = passage(3, "f", "Jon Rahm won the Masters Tournament, his first green jacket.")


def test_the_year_a_question_names_bounds_its_evidence_from_below():
    """A source cannot report what happened after it was published."""
    asked = dt.date(2023, 4, 14)
    assert year_named(MASTERS, asked) == dt.date(2023, 1, 1)
    assert year_named("Whose 2022 album became the most streamed?", asked) == dt.date(2022, 1, 1)
    assert year_named("Between 2019 and 2021, what grew fastest?", asked) == dt.date(2021, 1, 1)  # the latest named
    assert year_named("Which city will host the 2024 convention?", asked) is None  # a year to come bounds nothing
    assert year_named("Who served as George Washington's vice president?", asked) is None
    bound = Frame(not_before=year_named(MASTERS, asked))
    old = judge("Tiger Woods [1].", [OLD_WIN, NEW_WIN], AnswerParams().checks, MASTERS, bound)[0]
    assert not old.supported and old.check == "time_frame" and "dated before 2023-01-01" in old.reason
    assert judge("Jon Rahm [2].", [OLD_WIN, NEW_WIN], AnswerParams().checks, MASTERS, bound)[0].supported
    # Nothing says an undated source came too early (unlike "this week", which it cannot show).
    assert judge("Jon Rahm [3].", [OLD_WIN, UNDATED_WIN], AnswerParams().checks, MASTERS, bound)[0].supported


def test_a_named_year_through_the_pipeline(seeded):
    """The seed article (2026-01-28) cannot say what happened in 2027; it can for 2026."""
    model = ScriptedModel("Putin and Zelensky have not met since 2019 [1].", 0.99)
    later = Answerer(Searcher(seeded), model).ask("Did Putin and Zelensky meet in 2027?", dt.date(2027, 6, 1))
    assert later.abstained and later.refusals[-1].check == "time_frame" and "2027-01-01" in later.reason
    same = Answerer(Searcher(seeded), model).ask("Did Putin and Zelensky meet in 2026?", dt.date(2026, 2, 1))
    assert not same.abstained and "2019 [1]" in same.text
    off = Answerer(Searcher(seeded), model, AnswerParams(year_frame=False))
    assert not off.ask("Did Putin and Zelensky meet in 2027?", dt.date(2027, 6, 1)).abstained


def test_the_evaluation_tells_apart_questions_whose_answer_is_reported_in_the_time_they_name(tmp_path, monkeypatch):
    """bench/cv_checks.py reports apart the questions the sources answer as asked: an article holding
    the answer dated within the time the question names (a 2018 story does not report this week's)."""
    from tests.conftest import ROOT
    monkeypatch.syspath_prepend(str(ROOT / "bench"))  # the bench scripts import each other by name
    from cv_checks import answer_in_frame, article_dates

    lines = [{"id": "old", "text": "The Bills beat the Jets.", "date": "2018-10-01"},
             {"id": "new", "text": "The Bills beat the Jets again.", "date": "2022-06-21"},
             {"id": "nodate", "text": "The Bills beat the Jets once more."}]
    (tmp_path / "corpus.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    dates = article_dates(tmp_path)
    assert dates == {"old": dt.date(2018, 10, 1), "new": dt.date(2022, 6, 21), "nodate": None}
    week = "Which team did the Bills beat this week?"
    assert not answer_in_frame({"question": week, "answer_doc_ids": ["old"]}, THURSDAY.isoformat(), dates)
    assert not answer_in_frame({"question": week, "answer_doc_ids": ["nodate"]}, THURSDAY.isoformat(), dates)
    assert answer_in_frame({"question": week, "answer_doc_ids": ["old", "new"]}, THURSDAY.isoformat(), dates)
    # A question naming no time is answered by any article that holds the answer.
    assert answer_in_frame({"question": "Which team did the Bills beat?", "answer_doc_ids": ["old"]},
                           THURSDAY.isoformat(), dates)
