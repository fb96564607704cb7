"""Judge the drafts of a stored `factcheck eval qa --out` run again with the checks as they are
now, without the model: the same passages, the same drafts, the stored P(yes). What a change to
the checks in factcheck/checks.py does to answer and cited accuracy, in a second, with the right
drafts each named check refused and the figures per fold (a set cut by bench/cut_set.py has one
per question). The shown text is composed as the answerer does (answer.compose); quotes grow to
show names only with --store (the run's store, for the articles' text). `--set checks.NAME=VALUE`
tries other check parameters.

    python bench/rejudge_answers.py ../shared/evaldata/news_dev answers.jsonl [--store DIR] [--show]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from factcheck import timeframe
from collections import Counter

from factcheck.answer import Answer, AnswerParams, Citation, Refusal, Sentence, abstention, judge, settled
from factcheck.evaluation import answer_gold, gold_map, judge_answer, read_queries


def draft_of(sentences: list[dict]) -> str:
    """The draft as the model wrote it, near enough: each judged sentence with its markers back.
    Passages added by the check (attributed or corroborating) are not the model's: left out."""
    out = []
    for s in sentences:
        cites = [] if s.get("attributed") else [n for n in s["cites"] if n not in s.get("corroborating", [])]
        text = s["text"]
        # Without a full stop a marker ended it ("Japan [3]"): a whole sentence all the same.
        body, end = (text[:-1], text[-1]) if text and text[-1] in ".!?" else (text, ".")
        out.append(f"{body} {''.join(f'[{n}]' for n in cites)}{end}".replace(" .", ".").strip())
    return " ".join(out)


def judged_again(question: str, as_of: dt.date, judged: list[dict], passages: list[Citation], p_yes: float | None,
                 params: AnswerParams, article_of, confidence: float | None = None,
                 stated: float | None = None) -> tuple[list[Sentence], Refusal | None, Answer]:
    """A stored draft (its judged sentences) judged again with `params`, as the answerer judges
    and settles a fresh one: the sentences, the whole answer's refusal if any, and the Answer.
    The stated reading was taken only for an answer that would be shown: missing, it refuses nothing."""
    frame = timeframe.frame(question, as_of, params.time_frame, params.year_frame)
    sentences = judge(draft_of(judged), passages, params.checks, question, frame, p_yes) if judged else []
    whole = abstention(sentences, p_yes or 0.0, params, confidence, stated)
    return sentences, whole, settled(sentences, whole, question, article_of, as_of=as_of, passages=passages,
                                     answerable_p=p_yes)


def replay(r: dict, q: dict, gold: set[str], params: AnswerParams, article_of) -> dict:
    """One stored answer judged again with `params`: right, cited, shown, and when a right draft
    was refused, the check that refused it and why."""
    a = r["answer"]
    sentences, whole, answer = judged_again(q["question"], dt.date.fromisoformat(a["as_of"]), a["sentences"],
                                            [Citation(**p) for p in a["passages"]], a["answerable_p"], params,
                                            article_of, a.get("confidence"), a.get("stated_p"))
    shown = not whole
    text, citations = (answer.text, answer.citations) if shown else ("", [])
    right, cited = (shown and x for x in judge_answer(text, citations, r["answers"], gold))
    check = detail = None
    if r["draft_right"] and not right:  # a right draft the checks refused (or cut to a wrong answer)
        check, detail = (whole.check, whole.detail) if whole else next(
            ((x.check, x.reason) for x in sentences if not x.supported), ("compose", text))
    return {"right": right, "cited": cited, "shown": shown, "text": text, "check": check, "detail": detail}


def with_checks(params: AnswerParams, settings: list[str]) -> AnswerParams:
    """The parameters with `checks.NAME=VALUE` (a check's) or `NAME=VALUE` (the answerer's, such
    as min_answerable) settings, JSON values, applied."""
    for item in settings:
        key, value = item.split("=", 1)
        if key.startswith("checks."):
            checks = params.checks.model_copy(update={key.removeprefix("checks."): json.loads(value)})
            params = params.model_copy(update={"checks": checks})
        elif key in AnswerParams.model_fields:
            params = params.model_copy(update={key: json.loads(value)})
        else:
            raise SystemExit(f"no answer parameter {key!r}")
    return params


def stored_rows(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def articles(store: Path | None):
    """The article text by doc id from the run's store (quotes grow to show names), or nothing."""
    if not store:
        return lambda doc_id: ""
    from retrieval.store import Corpus

    corpus = Corpus(store, None)  # reads only: no embedder needed
    return lambda doc_id: corpus.get(doc_id).text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("directory", type=Path, help="the evaluation set (for the gold articles)")
    ap.add_argument("stored", type=Path, help="JSONL written by `factcheck eval qa --out`")
    ap.add_argument("--store", type=Path, help="the store the run used (its articles' text)")
    ap.add_argument("--show", action="store_true", help="print every question whose judgement changed")
    ap.add_argument("--refused", action="store_true", help="print every right draft the checks refuse, with the check")
    ap.add_argument("--set", action="append", default=[], metavar="checks.NAME=VALUE", help="a check parameter to try")
    args = ap.parse_args()
    article_of = articles(args.store)
    params = with_checks(AnswerParams(), args.set)
    by_check: Counter = Counter()  # right drafts refused, by the check that refused them
    folds: dict = {}
    draft_right = 0
    to_doc = gold_map(args.directory)
    queries = {q["id"]: q for q in read_queries(args.directory)}
    before = {"right": 0, "cited": 0, "wrong_shown": 0}
    after = dict(before)
    n = 0
    for r in stored_rows(args.stored):
        if not r["answerable"]:
            continue
        n += 1
        q = queries[r["id"]]
        now = replay(r, q, answer_gold(q, to_doc), params, article_of)
        right, cited, shown = now["right"], now["cited"], now["shown"]
        for tally, (rt, ct, shown_) in ((before, (r["right"], r["cited"], not r["abstained"])), (after, (right, cited, shown))):
            tally["right"] += rt
            tally["cited"] += ct
            tally["wrong_shown"] += shown_ and not rt
        draft_right += r["draft_right"]
        if now["check"]:
            by_check[now["check"]] += 1
            if args.refused:
                print(f"{r['id']}: refused by {now['check']}: {now['detail']}\n   expected {r['answers']}; "
                      f"draft: {draft_of(r['answer']['sentences'])!r}")
        fold = folds.setdefault(q.get("fold", 0), [0, 0, 0])
        fold[0] += 1
        fold[1] += right
        fold[2] += cited
        if args.show and (right, cited, shown) != (r["right"], r["cited"], not r["abstained"]):
            print(f"{r['id']}: right {r['right']}->{right}, cited {r['cited']}->{cited}, shown {not r['abstained']}->{shown}")
            print(f"   expected {r['answers']}; stored: {r['answer']['text']!r}")
            print(f"   now: {now['text'] if shown else '(abstains)'}")
    for name, t in (("stored", before), ("re-judged", after)):
        print(f"{name:>10}: right {t['right']}/{n} ({t['right'] / n:.3f}), cited {t['cited']}/{n} ({t['cited'] / n:.3f}), "
              f"wrong answers shown {t['wrong_shown']}")
    refused = sum(by_check.values())
    print(f"right drafts {draft_right}/{n}; refused by the checks {refused} ({refused / max(draft_right, 1):.1%}): "
          + ", ".join(f"{k} {v}" for k, v in by_check.most_common()))
    if len(folds) > 1:
        print("per fold (questions, right, cited): " + "; ".join(f"{k}: {v[0]}, {v[1] / v[0]:.3f}, {v[2] / v[0]:.3f}"
                                                               for k, v in sorted(folds.items())))


if __name__ == "__main__":
    main()
