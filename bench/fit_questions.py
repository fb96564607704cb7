"""Fit the question-guided verdict on stored checks, cross-validated by fold, without the model.

    FACTCHECK_CLAIMS__METHOD=questions FACTCHECK_CLAIMS__QUESTIONS__MIN_ANSWERABLE=0 \
        factcheck eval claims ../shared/evaldata/averitec_given --store /tmp/ev/averitec --out /tmp/av.jsonl
    python bench/fit_questions.py /tmp/av.jsonl [--folds 5] [--show]

Collect with MIN_ANSWERABLE=0: every question's judged draft and P(yes) that the passages answer
it are stored, so any higher threshold is re-applied exactly as the answer path applies it
(`answer.abstention`), and each shown answer's stance is recomputed by `questions.stance` under
each candidate QuestionParams. The folds are the claim id modulo --folds. For each fold the
parameters with the best macro-F1 (three labels) on the other folds are chosen and the fold is
scored with them; the held-out folds' verdicts together give the reported figures, and the
parameters chosen per fold are printed, so a choice that changes from fold to fold shows.
CONFLICTING claims are reported apart, with the share called MIXED.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
from collections import Counter
from pathlib import Path

from factcheck.answer import AnswerParams, abstention
from factcheck.evaluation import THREE, claims_report
from factcheck.questions import Finding, QuestionParams, Stance, debunking_sentence, denial, parse_questions, shown_text, stance, verdict_of

GRID = {
    "min_answerable": [0.0, 0.3, 0.45, 0.6],
    "debunk": [True, False],
    "refute_kinds": [["number", "time", "name", "place"], ["number", "time"], []],
    "mixed": [False, True],
    "restate_share": [0.5, 0.6, 0.8],
    "polar": [True, False],
    "debunk_passages": [None, 0.2, 0.35, 0.5],
}


def load(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for r in rows:
        for part in r["check"]["parts"]:
            part["_findings"] = [Finding(**f) for f in part.get("questions") or []]
    return rows


@functools.cache
def _stance(claim: str, question: str, text: str, debunk: bool, refute_kinds: tuple, restate_share: float) -> Stance:
    qp = QuestionParams(debunk=debunk, refute_kinds=list(refute_kinds), restate_share=restate_share)
    return stance(claim, question, text, qp)[0]


def replay(row: dict, setting: dict) -> str:
    """The claim's verdict under one setting, from the stored findings."""
    qp = QuestionParams(**{k: v for k, v in setting.items() if k in QuestionParams.model_fields})
    ap = AnswerParams(min_answerable=setting["min_answerable"])
    findings = []
    for part in row["check"]["parts"]:
        claim = part["claim"]
        for i, f in enumerate(part.get("_findings") or []):
            if i == 0 and not setting["polar"] and f.question.startswith("Is it true that"):
                continue
            if f.answerable_p is None:  # a finding made in code (dated_contradiction): kept as it is
                findings.append(f)
                continue
            if not f.question.startswith("Is it true that") and not parse_questions(f.question, claim, 1):
                continue  # a question today's parse_questions would not keep
            if abstention(f.draft, f.answerable_p, ap):
                findings.append(f.model_copy(update={"stance": Stance.REFUTES if _denied(part, i, f, qp) else Stance.NONE}))
                continue
            st = _stance(claim, f.question, shown_text(f.draft), qp.debunk, tuple(qp.refute_kinds), qp.restate_share)
            findings.append(f.model_copy(update={"stance": st}))
        if qp.debunk_passages is not None and any(_debunked(claim, e["quote"]) for e in part["evidence"]
                                                  if (e.get("overlap") or 0.0) >= qp.debunk_passages):
            findings.append(Finding(question="-", answer="-", abstained=False, stance=Stance.REFUTES))
    return verdict_of(findings, qp)


def _denied(part: dict, i: int, f: Finding, qp: QuestionParams) -> bool:
    """The checker's denial rule (QuestionParams.denied) on a stored finding. Only the first
    question's closest passage is stored with an abstention, as evidence [1]: a "no" citing
    other passages counts only when the rule needs no overlap (replayed exactly then)."""
    if qp.denied is None or i != 0 or not f.question.startswith("Is it true that"):
        return False
    cites = denial(f.draft)
    if qp.denied <= 0.0:
        return bool(cites)
    return 1 in cites and bool(part["evidence"]) and (part["evidence"][0].get("overlap") or 0.0) >= qp.denied


@functools.cache
def _debunked(claim: str, quote: str) -> bool:
    return debunking_sentence(claim, quote) is not None


def scored(rows: list[dict], preds: list[str]) -> dict:
    judged = [{**r, "pred": "NOT_ENOUGH_INFO" if p == "MIXED" else p} for r, p in zip(rows, preds)]
    return claims_report(judged, "", "", 0.0).model_dump()


def settings_grid() -> list[dict]:
    keys = list(GRID)
    return [dict(zip(keys, values)) for values in itertools.product(*(GRID[k] for k in keys))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", type=Path)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--readings", action="store_true", help="rows run with FACTCHECK_CLAIMS__METHOD=both: score each "
                    "reading alone and combined, as run (no refit)")
    ap.add_argument("--probabilities", type=Path, help="stored checks of the same claims by the token-probability "
                    "method: also choose, by the same folds, how the two verdicts combine")
    args = ap.parse_args()
    rows = load(args.rows)
    if args.readings:
        return readings(rows)
    grid = settings_grid()
    # Every setting's verdict for every claim, once.
    table = [[replay(r, s) for r in rows] for s in grid]
    fold = [int(str(r["id"]).split("_")[0]) % args.folds if str(r["id"]).split("_")[0].isdigit() else hash(r["id"]) % args.folds
            for r in rows]
    held: list[str | None] = [None] * len(rows)
    chosen = []
    for k in range(args.folds):
        train = [i for i in range(len(rows)) if fold[i] != k]
        best = max(range(len(grid)), key=lambda g: (scored([rows[i] for i in train], [table[g][i] for i in train])["macro_f1"], -g))
        chosen.append(grid[best])
        for i in range(len(rows)):
            if fold[i] == k:
                held[i] = table[best][i]
    rep = scored(rows, held)
    raw = Counter(p for r, p in zip(rows, held) if r["label"] not in THREE)
    conflicting = [p for r, p in zip(rows, held) if r["label"] == "CONFLICTING"]
    print(json.dumps({"claims": len(rows), "held_out": {k: rep[k] for k in ("accuracy", "macro_f1", "f1", "confusion")},
                      "other_labels_raw": dict(raw),
                      "conflicting_called_mixed": round(conflicting.count("MIXED") / len(conflicting), 3) if conflicting else None,
                      }, indent=1))
    for k, c in enumerate(chosen):
        print(f"fold {k} chose", json.dumps(c))
    qp = QuestionParams()
    default = {**qp.model_dump(), "min_answerable": qp.min_answerable if qp.min_answerable is not None else AnswerParams().min_answerable}
    default = {k: default[k] for k in GRID}
    d = scored(rows, table[grid.index(default)])
    print("the defaults, in sample:", json.dumps({k: d[k] for k in ("accuracy", "macro_f1", "f1")}))
    stored = scored(rows, [r["check"]["verdict"] for r in rows])
    print("as run:", json.dumps({k: stored[k] for k in ("accuracy", "macro_f1", "f1")}))
    if args.probabilities:
        combine(rows, held, fold, args.folds, {str(r["id"]): r["pred"] for r in load(args.probabilities)})


def readings(rows: list[dict]) -> None:
    """Rows checked with method "both" (the question part first, then the probability parts):
    each reading's verdict alone, and combined, scored on the same claims."""
    from factcheck.claims import Label, combined, overall

    def by(r: dict, which: str) -> str:
        parts = r["check"]["parts"]
        q, p = Label(parts[0]["verdict"]), overall([Label(x["verdict"]) for x in parts[1:]])
        return {"questions": q, "probabilities": p, "both": combined(q, p)}[which].value

    for which in ("questions", "probabilities", "both"):
        rep = scored(rows, [by(r, which) for r in rows])
        print(f"{which}:", json.dumps({k: rep[k] for k in ("accuracy", "macro_f1", "f1", "confusion")}))
    times = sorted(r["seconds"] for r in rows)
    print("median seconds a claim (both):", times[len(times) // 2] if times else None)


RULES = {  # how a claim's question verdict q and token-probability verdict p combine
    "questions": lambda q, p: q,
    "probabilities": lambda q, p: p,
    "either refutes": lambda q, p: "REFUTED" if "REFUTED" in (q, p) else "SUPPORTED" if "SUPPORTED" in (q, p) else q,
    "questions, else probabilities": lambda q, p: p if q in ("NOT_ENOUGH_INFO", "MIXED") else q,
    "probabilities, else questions": lambda q, p: q if p in ("NOT_ENOUGH_INFO", "MIXED") else p,
}


def combine(rows: list[dict], held: list[str], fold: list[int], folds: int, prob: dict[str, str]) -> None:
    """The held-out question verdicts combined with the other method's by each rule; the rule is
    chosen per fold on the other folds, as the parameters were."""
    keep = [i for i, r in enumerate(rows) if str(r["id"]) in prob]
    for name, rule in RULES.items():
        rep = scored([rows[i] for i in keep], [rule(held[i], prob[str(rows[i]["id"])]) for i in keep])
        print(f"rule {name!r} over {len(keep)} claims:", json.dumps({k: rep[k] for k in ("accuracy", "macro_f1", "f1")}))
    out: dict[int, str] = {}
    for k in range(folds):
        train = [i for i in keep if fold[i] != k]
        best = max(RULES, key=lambda n: scored([rows[i] for i in train],
                                               [RULES[n](held[i], prob[str(rows[i]["id"])]) for i in train])["macro_f1"])
        print(f"fold {k} combines by {best!r}")
        out.update({i: RULES[best](held[i], prob[str(rows[i]["id"])]) for i in keep if fold[i] == k})
    rep = scored([rows[i] for i in keep], [out[i] for i in keep])
    print("combined, held out:", json.dumps({k: rep[k] for k in ("accuracy", "macro_f1", "f1", "confusion")}))


if __name__ == "__main__":
    main()
