"""Choose the answer checks' parameters by cross-validation over weeks, on the stored drafts of a
`factcheck eval qa --out` run (no model: bench/rejudge_answers.py's replay). For each held-out fold
the setting that did best on the other folds is taken and scored on the held-out fold; the pooled
held-out figures are what the choice is worth on weeks it did not see. "Best" is answers right
minus wrong answers shown: a wrong answer shown costs a fact-checker as much as a right one lost.

    python bench/cut_set.py ../shared/evaldata/news_train /tmp/news_train_odd --weeks odd
    factcheck eval qa /tmp/news_train_odd --store /tmp/ev/news_train_odd --out /tmp/ev/odd.jsonl
    python bench/cv_checks.py /tmp/news_train_odd /tmp/ev/odd.jsonl --store /tmp/ev/news_train_odd
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections import Counter
from pathlib import Path

from rejudge_answers import articles, replay, stored_rows, with_checks
from factcheck.answer import AnswerParams
from factcheck.evaluation import answer_gold, gold_map, read_queries

GRID = {  # the settings tried: each check on or off, and the window of the one-place check
    "checks.one_place_window": [None, 0, 1, 2],
    "checks.answer_kinds": [False, True],
}


def figures(results: list[dict]) -> dict:
    n = len(results) or 1
    right = sum(r["right"] for r in results)
    drafts = sum(r["draft_right"] for r in results)
    refused = sum(1 for r in results if r["check"])
    return {"questions": len(results), "right": round(right / n, 4), "cited": round(sum(r["cited"] for r in results) / n, 4),
            "draft": round(drafts / n, 4), "right_drafts_refused": round(refused / max(drafts, 1), 4),
            "abstained": round(sum(not r["shown"] for r in results) / n, 4),
            "wrong_shown": sum(r["shown"] and not r["right"] for r in results),
            "utility": right - sum(r["shown"] and not r["right"] for r in results)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("directory", type=Path, help="the evaluation set, with a `fold` per question (bench/cut_set.py)")
    ap.add_argument("stored", type=Path, help="JSONL written by `factcheck eval qa --out`")
    ap.add_argument("--store", type=Path, help="the store the run used (its articles' text)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    article_of = articles(args.store)
    to_doc = gold_map(args.directory)
    queries = {q["id"]: q for q in read_queries(args.directory)}
    rows = [r for r in stored_rows(args.stored) if r["answerable"]]
    settings = [dict(zip(GRID, values)) for values in itertools.product(*GRID.values())]
    results = {}  # setting index -> per question results
    for i, setting in enumerate(settings):
        params = with_checks(AnswerParams(), [f"{k}={json.dumps(v)}" for k, v in setting.items()])
        results[i] = [{**replay(r, queries[r["id"]], answer_gold(queries[r["id"]], to_doc), params, article_of),
                       "draft_right": r["draft_right"], "fold": queries[r["id"]].get("fold", 0)} for r in rows]
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
              "refused_by_check": dict(Counter(x["check"] for x in held_out if x["check"]).most_common())}
    if args.json:
        print(json.dumps(report, indent=1))
        return
    for s in report["settings"]:
        print("whole set  " + ", ".join(f"{k}={v}" for k, v in s.items()))
    for f in report["folds"]:
        print(f"fold {f['fold']}: chose {f['chosen']} -> right {f['right']}, cited {f['cited']}, refused right drafts "
              f"{f['right_drafts_refused']}, abstained {f['abstained']} ({f['questions']} questions)")
    h = report["held_out"]
    print(f"held out, pooled: right {h['right']}, cited {h['cited']}, draft {h['draft']}, right drafts refused "
          f"{h['right_drafts_refused']}, abstained on answerable {h['abstained']}, wrong shown {h['wrong_shown']} "
          f"of {h['questions']}; refused by {report['refused_by_check']}")


if __name__ == "__main__":
    main()
