"""Experiment (not in the product): contextual calibration of the claim verdicts. Each claim (and
its turned form) is asked the two yes/no questions with no source at all; that P(yes) is the
model's prior for the claim, and it is subtracted from the stored readings of a `factcheck eval
claims --out` run (offset 0.5) before the thresholds are refitted as bench/fit_claims.py does.

    python bench/null_prior.py train.jsonl --out train_null.jsonl      # ~3 s a claim, model only
    python bench/null_prior.py --analyse train_null.jsonl [--raw]       # refit + 2-fold held out
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import fit_claims as F
from factcheck.answer import Citation
from factcheck.claims import Checker, ClaimParams, flip_claim
from factcheck.evaluation import claims_report
from factcheck.prompts import template
from factcheck.settings import Settings

NO_SOURCE = Citation(n=1, doc_id="-", chunk_id="-", start=0, end=0, quote="(no source text)", source="none")


def collect(stored: Path, out: Path) -> None:
    settings = Settings()
    llm = settings.build_llm()
    checker = Checker(None, llm, settings.claims)  # only its prompts: nothing is searched

    def prior(claim: str, question: str) -> float:
        return llm.yes_probability(checker._messages(claim, NO_SOURCE, "claim_user", question=template(question)))

    rows = [json.loads(x) for x in stored.read_text().splitlines() if x.strip()]
    with out.open("w", encoding="utf-8") as sink:
        for r in rows:
            for part in r["check"]["parts"]:
                turned = flip_claim(part["claim"])
                part["null"] = {"true": prior(part["claim"], "claim_true"), "false": prior(part["claim"], "claim_false"),
                                "flipped": prior(turned, "claim_true") if turned else None}
            sink.write(json.dumps(r) + "\n")
            sink.flush()


def calibrate(rows: list[dict]) -> list[dict]:
    for r in rows:
        for part in r["check"]["parts"]:
            n = part["null"]
            for e in part["_evidence"]:
                e.p_true, e.p_false = e.p_true - n["true"] + 0.5, e.p_false - n["false"] + 0.5
                if e.p_true_flipped is not None and n["flipped"] is not None:
                    e.p_true_flipped = e.p_true_flipped - n["flipped"] + 0.5
    return rows


def analyse(path: Path, raw: bool) -> None:
    rows = F.load(path)
    rows = rows if raw else calibrate(rows)
    params, f1 = F.fit(rows)
    print(f"{'raw' if raw else 'calibrated'}: {len(rows)} claims, refitted in-sample macro-F1 {f1:.3f} ({params!r}); "
          f"default thresholds {claims_report(F.rescore(rows, ClaimParams()), 'x', '', 0).macro_f1:.3f}")
    for i, (d, f) in enumerate(F.cross_validate_fit(rows), 1):
        print(f"fold {i} held out: default thresholds {d:.3f}, refitted on the other half {f:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stored", type=Path, nargs="?", help="a `factcheck eval claims --out` run (stop-early off)")
    ap.add_argument("--out", type=Path, default=Path("claims_null.jsonl"))
    ap.add_argument("--analyse", type=Path, help="a file this script wrote: refit with and without the prior")
    ap.add_argument("--raw", action="store_true", help="with --analyse: without subtracting the prior")
    args = ap.parse_args()
    if args.analyse:
        analyse(args.analyse, args.raw)
    else:
        collect(args.stored, args.out)


if __name__ == "__main__":
    main()
