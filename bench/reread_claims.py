"""Re-read the passages of a stored claims run for the claim and for the claim turned around,
all three probabilities in one sitting, so bench/fit_claims.py can fit the turned-claim rule
without re-running retrieval (the prompt cache moves probabilities by ~0.04 between sittings).

    python bench/reread_claims.py dev.jsonl dev_reread.jsonl   # resumes where it stopped
    python bench/fit_claims.py train_reread.jsonl --dev dev_reread.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from factcheck.answer import Citation
from factcheck.claims import Checker, flip_claim
from factcheck.settings import Settings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stored", type=Path, help="JSONL written by `factcheck eval claims --out`")
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    done = {json.loads(x)["id"] for x in args.out.read_text().splitlines() if x.strip()} if args.out.exists() else set()
    checker = Checker(None, Settings().build_llm())  # reads passages only: no search
    with args.out.open("a", encoding="utf-8") as sink:
        for r in (json.loads(x) for x in args.stored.read_text().splitlines() if x.strip()):
            if r["id"] in done:
                continue
            t0 = time.perf_counter()
            for part in r["check"]["parts"]:
                part["flip"] = flip_claim(part["claim"])
                for e in part["evidence"] if part["flip"] else []:  # unturned claims keep their first reading
                    c = Citation(**{k: e[k] for k in Citation.model_fields})
                    e["pt2"], e["pf2"], e["ptf"] = (round(x, 4) for x in checker._read(part["claim"], c)[:3])
            sink.write(json.dumps(r, ensure_ascii=False) + "\n")
            sink.flush()
            print(r["id"], r["label"], f"{time.perf_counter() - t0:.1f} s", flush=True)


if __name__ == "__main__":
    main()
