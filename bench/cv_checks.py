"""Choose the answer checks' parameters by cross-validation over weeks, on the stored drafts of a
`factcheck eval qa --out` run (no model: bench/rejudge_answers.py's replay). For each held-out fold
the setting that did best on the other folds is taken and scored on the held-out fold; the pooled
held-out figures are what the choice is worth on weeks it did not see. "Best" is answers right
minus wrong answers shown: a wrong answer shown costs a fact-checker as much as a right one lost.

    python bench/cut_set.py ../shared/evaldata/news_train /tmp/news_train_odd --weeks odd
    factcheck eval qa /tmp/news_train_odd --store /tmp/ev/news_train_odd --out /tmp/ev/odd.jsonl
    python bench/cv_checks.py /tmp/news_train_odd /tmp/ev/odd.jsonl --store /tmp/ev/news_train_odd

The even weeks pooled with the odd ones (the folds are ISO week modulo 5 in both, so fold f holds
out every week of news_train with that remainder), and a grid of other parameters:

    python bench/cv_checks.py /tmp/news_train_odd /tmp/ev/odd.jsonl --store /tmp/ev/news_train_odd \
        --also /tmp/news_train_even:/tmp/ev/even.jsonl:/tmp/ev/news_train_even \
        --grid '{"checks.topic_share": [0.3, 0.4, 0.5], "checks.bare_topic_share": [0.3, 0.4, 0.5]}'

With the same weeks made unanswerable (`bench/unanswerable.py DIR --store S --out rows.jsonl`), an
answer shown there is a wrong answer shown too, so a setting is chosen for abstaining where the
sources hold no answer as much as for answering where they do:

    python bench/cv_checks.py ... --unanswerable /tmp/news_train_odd:/tmp/ev/odd_unans.jsonl:/tmp/ev/news_train_odd
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
from collections import Counter
from pathlib import Path

from rejudge_answers import articles, replay, stored_rows, with_checks
from factcheck import timeframe
from factcheck.answer import AnswerParams
from factcheck.evaluation import answer_gold, gold_map, read_queries
from retrieval.loaders import iter_jsonl

GRID = {  # the settings tried: each check on or off, and the window of the one-place check
    "checks.one_place_window": [None, 0, 1, 2],
    "checks.answer_kinds": [False, True],
}


def article_dates(directory: Path) -> dict[str, dt.date | None]:
    """Each article's publication date by its JSONL id."""
    return {a.external_id: a.date for _, a in iter_jsonl(directory / "corpus.jsonl")
            if not isinstance(a, Exception) and a.external_id}


def answer_in_frame(q: dict, as_of: str, dates: dict) -> bool:
    """Whether an article holding the question's answer is dated within the time the question names
    (timeframe.frame; always, when it names none). "Which team won this week?" whose only article
    with the answer is a 2018 story is a question the sources do not answer as asked: the time-frame
    check refuses its drafts by design, so its figures are reported apart as well as pooled."""
    frame = timeframe.frame(q["question"], dt.date.fromisoformat(as_of))
    docs = q.get("answer_doc_ids") or q.get("gold_doc_ids") or []
    return any(frame.admits(dates.get(str(d))) for d in docs) if docs else True


def figures(results: list[dict]) -> dict:
    unanswerable = [r for r in results if r.get("unanswerable")]
    results = [r for r in results if not r.get("unanswerable")]
    n = len(results) or 1
    right = sum(r["right"] for r in results)
    drafts = sum(r["draft_right"] for r in results)
    refused = sum(1 for r in results if r["check"])
    wrong = sum(r["shown"] and not r["right"] for r in results)
    shown_unanswerable = sum(r["shown"] for r in unanswerable)
    return {"questions": len(results), "right": round(right / n, 4), "cited": round(sum(r["cited"] for r in results) / n, 4),
            "draft": round(drafts / n, 4), "right_drafts_refused": round(refused / max(drafts, 1), 4),
            "abstained": round(sum(not r["shown"] for r in results) / n, 4),
            "wrong_shown": wrong, "unanswerable": len(unanswerable),
            "unanswerable_abstained": round(1 - shown_unanswerable / max(len(unanswerable), 1), 4),
            "utility": right - wrong - shown_unanswerable}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("directory", type=Path, help="the evaluation set, with a `fold` per question (bench/cut_set.py)")
    ap.add_argument("stored", type=Path, help="JSONL written by `factcheck eval qa --out`")
    ap.add_argument("--store", type=Path, help="the store the run used (its articles' text)")
    ap.add_argument("--also", nargs="*", default=[], metavar="DIR:STORED:STORE",
                    help="more runs pooled with the first, fold by fold (news_train's other weeks)")
    ap.add_argument("--unanswerable", nargs="*", default=[], metavar="DIR:STORED:STORE",
                    help="bench/unanswerable.py runs of the same weeks: an answer shown there counts as wrong")
    ap.add_argument("--grid", type=json.loads, help='the settings tried, JSON {"checks.NAME": [values]} (default: GRID)')
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    runs = [(args.directory, args.stored, args.store)] + [tuple(Path(x) for x in spec.split(":")) for spec in args.also]
    loaded = []  # (row, query, gold, article_of, answer_in_frame) of every question of every run
    for directory, stored, store in runs:
        article_of = articles(store)
        to_doc = gold_map(directory)
        dates = article_dates(directory)
        queries = {q["id"]: q for q in read_queries(directory)}
        loaded += [(r, queries[r["id"]], answer_gold(queries[r["id"]], to_doc), article_of,
                    answer_in_frame(queries[r["id"]], r["answer"]["as_of"], dates))
                   for r in stored_rows(stored) if r["answerable"]]
    for spec in args.unanswerable:  # a stored row of bench/unanswerable.py: no right draft, no gold to find
        directory, stored, store = (Path(x) for x in spec.split(":"))
        article_of = articles(store)
        queries = {q["id"]: q for q in read_queries(directory)}
        # No answer anywhere: reported with the unanswerable rows, never among those in frame.
        loaded += [({**r, "draft_right": False, "unanswerable": True}, queries[r["id"]], set(), article_of, False)
                   for r in stored_rows(stored)]
    grid = args.grid or GRID
    settings = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
    results = {}  # setting index -> per question results
    for i, setting in enumerate(settings):
        params = with_checks(AnswerParams(), [f"{k}={json.dumps(v)}" for k, v in setting.items()])
        results[i] = [{**replay(r, q, gold, params, article_of), "draft_right": r["draft_right"], "fold": q.get("fold", 0),
                       "unanswerable": r.get("unanswerable", False), "in_frame": in_frame}
                      for r, q, gold, article_of, in_frame in loaded]
    folds = sorted({x["fold"] for x in results[0]})
    held_out, chosen = [], []
    for f in folds:
        train = {i: figures([x for x in res if x["fold"] != f])["utility"] for i, res in results.items()}
        best = max(train, key=lambda i: (train[i], -i))  # ties: the earlier, simpler setting
        chosen.append((f, settings[best], figures([x for x in results[best] if x["fold"] == f])))
        held_out += [x for x in results[best] if x["fold"] == f]
    report = {"settings": [{**s, **figures(results[i])} for i, s in enumerate(settings)],
              "folds": [{"fold": f, "chosen": s, **fig} for f, s, fig in chosen],
              "held_out": figures(held_out),
              "held_out_in_frame": figures([x for x in held_out if x["in_frame"]]),
              "refused_by_check": dict(Counter(x["check"] for x in held_out if x["check"]).most_common())}
    if args.json:
        print(json.dumps(report, indent=1))
        return
    for s in report["settings"]:
        print("whole set  " + ", ".join(f"{k}={v}" for k, v in s.items()))
    for f in report["folds"]:
        print(f"fold {f['fold']}: chose {f['chosen']} -> right {f['right']}, cited {f['cited']}, refused right drafts "
              f"{f['right_drafts_refused']}, abstained {f['abstained']} ({f['questions']} questions)"
              + (f", abstained without the answer {f['unanswerable_abstained']} ({f['unanswerable']})" if f["unanswerable"] else ""))
    h = report["held_out"]
    print(f"held out, pooled: right {h['right']}, cited {h['cited']}, draft {h['draft']}, right drafts refused "
          f"{h['right_drafts_refused']}, abstained on answerable {h['abstained']}, wrong shown {h['wrong_shown']} "
          f"of {h['questions']}; refused by {report['refused_by_check']}"
          + (f"; abstained without the answer {h['unanswerable_abstained']} of {h['unanswerable']}" if h["unanswerable"] else ""))
    h = report["held_out_in_frame"]
    print(f"held out, the {h['questions']} questions with an article holding the answer in the time they name: right "
          f"{h['right']}, cited {h['cited']}, draft {h['draft']}, right drafts refused {h['right_drafts_refused']}, "
          f"abstained {h['abstained']}, wrong shown {h['wrong_shown']}")


if __name__ == "__main__":
    main()
