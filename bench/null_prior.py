"""Add the model's no-source prior (ClaimParams.prior) to a `factcheck eval claims --out` run made
without it, so thresholds for the prior can be fitted on readings already collected:

    python bench/null_prior.py train.jsonl --out train_prior.jsonl    # ~3 s a claim, model only
    python bench/fit_claims.py train_prior.jsonl --prior --cv          # refit + 2-fold held out

Each part gets the prior the product computes (Checker.prior: the claim and its turned form asked
the yes/no questions with no source at all), stored as the product stores it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from factcheck.claims import Checker
from factcheck.settings import Settings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stored", type=Path, help="a `factcheck eval claims --out` run (stop-early off)")
    ap.add_argument("--out", type=Path, default=Path("claims_prior.jsonl"))
    args = ap.parse_args()
    settings = Settings()
    checker = Checker(None, settings.build_llm(), settings.claims)  # only its prompts: nothing is searched
    rows = [json.loads(x) for x in args.stored.read_text().splitlines() if x.strip()]
    with args.out.open("w", encoding="utf-8") as sink:
        for r in rows:
            for part in r["check"]["parts"]:
                prior = checker.prior(part["claim"])
                part["prior"] = prior.model_dump() if prior else None
            sink.write(json.dumps(r) + "\n")
            sink.flush()


if __name__ == "__main__":
    main()
