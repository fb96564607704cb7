"""Judge the answers behind a stored claims run's questions again with the answer checks as they
are now, without the model: each question's stored draft, passages and P(yes), the same stance
and verdict code as `Checker.check_by_questions`. When a check of the answer path changes, the
questions' verdicts and the weighing's readings move with it; this replays them in seconds, so the
weights can be refitted (bench/fit_weighing.py) without reading the claims again. Runs read before
findings kept their passages (2026-12-07) cannot be replayed: their questions stay as stored.

    python bench/rejudge_claims.py q.jsonl --store S [--out q_now.jsonl] [--set checks.NAME=VALUE]
    python bench/fit_weighing.py q_now.jsonl+p.jsonl
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.rejudge_answers import articles, judged_again, stored_rows, with_checks  # noqa: E402
from factcheck.answer import AnswerParams, Citation  # noqa: E402
from factcheck.claims import (DATED_QUESTION, DEBUNK_QUESTION, Label, Numbering, PartVerdict, debunk_finding,  # noqa: E402
                              finding_from, question_answer_params, questions_part)
from factcheck.questions import Finding, QuestionParams  # noqa: E402


def replay_part(part: PartVerdict, as_of: dt.date | None, run_day: dt.date, params: AnswerParams,
                qp: QuestionParams, article_of) -> PartVerdict:
    """The questions part judged again: each answer-path finding from its stored draft; the
    dated finding (from a search) kept with its passage; the debunk finding found again."""
    claim = part.claim
    number = Numbering(claim, as_of)
    by_n = {e.n: e for e in part.evidence}
    findings: list[Finding] = []
    for f in part.questions:
        if f.question == DEBUNK_QUESTION:
            continue  # found again below, over the evidence the replayed findings cite
        if f.question == DATED_QUESTION:
            n = number(Citation(**by_n[f.cites[0]].model_dump(include=set(Citation.model_fields))))
            findings.append(f.model_copy(update={"cites": [n], "answer": re.sub(r"\[\d+\]$", f"[{n}]", f.answer)}))
            continue
        if not f.passages:  # nothing was retrieved: nothing to judge again
            findings.append(f)
            continue
        # The answer path reads an undated claim's questions as of the day it ran.
        _, _, answer = judged_again(f.question, as_of or run_day, [s.model_dump() for s in f.draft], f.passages,
                                    f.answerable_p, params, article_of)
        findings.append(finding_from(claim, f.question, answer, qp, number))
    debunked = debunk_finding(claim, number.evidence, qp)
    findings += [debunked] if debunked else []
    return questions_part(claim, findings, number.evidence, qp, part.reason or "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stored", type=Path, help="JSONL written by `factcheck eval claims --out` (METHOD=questions)")
    ap.add_argument("--store", type=Path, help="the store the run used (quotes grow to show names)")
    ap.add_argument("--out", type=Path, help="the run with its questions part replaced by the replay")
    ap.add_argument("--set", action="append", default=[], metavar="checks.NAME=VALUE", help="a check parameter to try")
    ap.add_argument("--show", action="store_true", help="print every claim whose verdict changed")
    args = ap.parse_args()
    qp = QuestionParams()
    params = question_answer_params(with_checks(AnswerParams(), args.set), qp)
    article_of = articles(args.store)
    moved: Counter = Counter()
    right = {"stored": 0, "replayed": 0}
    findings_moved = scored = 0
    rows = stored_rows(args.stored)
    for r in rows:
        check = r["check"]
        stored = PartVerdict.model_validate(check["parts"][0])
        if not stored.questions:  # not a questions reading: written as it is
            continue
        as_of = dt.date.fromisoformat(check["as_of"]) if check.get("as_of") else None
        now = replay_part(stored, as_of, dt.datetime.fromisoformat(check["made_at"]).date(), params, qp, article_of)
        findings_moved += sum((a.abstained, a.stance) != (b.abstained, b.stance) for a, b in zip(stored.questions, now.questions))
        findings_moved += abs(len(stored.questions) - len(now.questions))
        if now.verdict is not stored.verdict:
            moved[(stored.verdict.value, now.verdict.value)] += 1
            if args.show:
                print(f"{r['id']} ({r['label']}): {stored.verdict.value} -> {now.verdict.value}: {now.explanation[:200]}")
        if r["label"] in {x.value for x in Label}:
            scored += 1
            right["stored"] += stored.verdict.value == r["label"]
            right["replayed"] += now.verdict.value == r["label"]
        check["parts"][0] = now.model_dump(mode="json")
        if len(check["parts"]) == 1:
            r["pred"] = now.verdict.value
    if args.out:  # each row with its questions part replaced by the replay
        args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} claims; findings that moved {findings_moved}; questions' verdicts that moved "
          f"{sum(moved.values())}: " + ", ".join(f"{a} -> {b} {n}" for (a, b), n in moved.most_common()))
    print(f"questions' verdict right (labelled claims, {scored}): stored {right['stored']}, replayed {right['replayed']}")


if __name__ == "__main__":
    main()
