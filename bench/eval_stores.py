"""Build every evaluation store and cut set the measured figures use, in one command, on a fresh
machine: news_train's odd and even weeks cut (bench/cut_set.py) and each set's store built
(`eval_corpus`, as `factcheck eval … --store` builds it). A store that is already complete is
opened and left as it is, so the command can be run again after an interruption.

    .venv/bin/python bench/eval_stores.py                     # all, under /tmp/ev and /tmp/news_train_*
    .venv/bin/python bench/eval_stores.py news_train_odd news_dev --stores /tmp/ev --sets /tmp

About 7 minutes a half of news_train, 5 for news_dev, 6 for SciFact, on 2 cores. The stores are
then named in the README's commands: `--store /tmp/ev/NAME`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from factcheck.evaluation import eval_corpus
from factcheck.settings import Settings

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "evaldata"
CUTS = {"news_train_odd": "odd", "news_train_even": "even"}  # cut from news_train by ISO week
SETS = ["news_train_odd", "news_train_even", "news_dev", "seed_qa", "scifact", "averitec_given", "climate_fever"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", default=SETS, help=f"which ({', '.join(SETS)}); default all")
    ap.add_argument("--stores", type=Path, default=Path("/tmp/ev"), help="where the stores go (one folder each)")
    ap.add_argument("--sets", type=Path, default=Path("/tmp"), help="where the cut sets go")
    ap.add_argument("--shared", type=Path, default=SHARED, help="the evaluation sets")
    args = ap.parse_args()
    unknown = set(args.names) - set(SETS)
    if unknown:
        raise SystemExit(f"no set {', '.join(sorted(unknown))}; known: {', '.join(SETS)}")
    settings = Settings()
    for name in args.names:
        t0 = time.perf_counter()
        if name in CUTS:
            directory = args.sets / name
            if not (directory / "queries.jsonl").exists():
                subprocess.run([sys.executable, str(HERE / "cut_set.py"), str(args.shared / "news_train"), str(directory),
                                "--weeks", CUTS[name]], check=True)
        else:
            directory = args.shared / name
        corpus = eval_corpus(settings, directory, args.stores / name)
        print(f"{name}: {corpus.count()} articles in {args.stores / name} ({time.perf_counter() - t0:.0f} s)", flush=True)
        corpus.close()


if __name__ == "__main__":
    main()
