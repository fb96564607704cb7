"""Choose the search weights across evaluation sets at once, through the real `Searcher.search`.

    .venv/bin/python bench/tune_search.py DIR:STORE:QUERIES ... [--grid '{"dense_weight": [0.4, 0.5]}']

Each STORE is a store built by `factcheck eval retrieval DIR --store STORE`; QUERIES is the
queries file to tune on (use a train split where there is one). Candidate lists from the two
indexes are fetched once per query and memoised; every setting then runs the real fusion,
time and aggregation code. Prints nDCG@10 and hit@5 per set for each setting.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from factcheck.evaluation import K, gold_map, score  # noqa: E402
from factcheck.settings import Settings  # noqa: E402
from retrieval.search import SearchParams, Searcher  # noqa: E402


class MemoSearcher(Searcher):
    @functools.lru_cache(maxsize=None)
    def _dense(self, key, n, where_json, sql, args):
        return self._real_dense(self._vec[key], n, json.loads(where_json), sql, list(args))

    def dense(self, query_vec, n, where, sql="", args=None):
        return self._dense(self._current, n, json.dumps(where, sort_keys=True), sql, tuple(args or ()))

    @functools.lru_cache(maxsize=None)
    def lexical(self, query, n, flt=None):  # the filter is a frozen dataclass: hashable
        return Searcher.lexical(self, query, n, flt)

    def _hydrate(self, fused):
        """The catalog rows of a query's candidates are read once: every setting fuses the same
        two lists, so they name the same chunks; only the scores differ."""
        cache = self.__dict__.setdefault("_hydrated", {})
        key = (self._current, frozenset(fused))
        if key not in cache:
            cache[key] = Searcher._hydrate(self, fused)
        return [h.model_copy(update={"score": fused[h.chunk_id]["fused"],
                                     "scores": {k: round(v, 4) for k, v in fused[h.chunk_id].items() if k != "fused"}})
                for h in cache[key]]


def load(spec: str):
    directory, store, queries = spec.split(":")
    s = MemoSearcher(Settings(data_dir=Path(store)).build_corpus())
    s._real_dense = functools.partial(Searcher.dense, s)
    qs = [json.loads(x) for x in Path(queries).read_text().splitlines() if x.strip()]
    qs = [q for q in qs if q.get("gold_doc_ids")]
    texts = [q.get("question") or q.get("claim") for q in qs]
    vecs = s.corpus.embedder.embed(texts)
    s._vec = dict(zip(range(len(qs)), vecs))
    to_doc = gold_map(Path(directory))
    return Path(directory).name, s, qs, texts, to_doc


def evaluate(name, s, qs, texts, to_doc, params: SearchParams):
    s.params = params
    ndcg = hit5 = 0.0
    for i, (q, text) in enumerate(zip(qs, texts)):
        s._current = i
        day = q.get("question_date")
        hits = s.search(text, K, as_of=dt.date.fromisoformat(day) if day else None, per_article=1, query_vec=s._vec[i])
        m = score([h.doc_id for h in hits], {to_doc.get(g, g) for g in q["gold_doc_ids"]})
        ndcg, hit5 = ndcg + m[4], hit5 + m[1]
    return round(ndcg / len(qs), 4), round(hit5 / len(qs), 4)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sets", nargs="+")
    ap.add_argument("--grid", default='{"dense_weight": [0.4, 0.45, 0.5], "lexical_half": [30, 40]}')
    args = ap.parse_args()
    sets = [load(spec) for spec in args.sets]
    grid = json.loads(args.grid)
    for values in itertools.product(*grid.values()):
        p = SearchParams(**dict(zip(grid, values)))
        row = "  ".join(f"{name} {evaluate(name, s, qs, t, g, p)}" for name, s, qs, t, g in sets)
        print(dict(zip(grid, values)), row, flush=True)


if __name__ == "__main__":
    main()
