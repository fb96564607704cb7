"""Plot search latency against corpus size from bench/results.json into docs/search_latency.png.

    .venv/bin/python bench/plot.py          # needs the bench extra: pip install -e '.[bench]'
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SERIES = [  # key prefix in results.json, label, colour, line style
    ("search", "embedded Chroma, search.py as it is", "tab:blue", "-"),
    ("search_server", "Chroma server, search.py as it is", "tab:orange", "-"),
    ("search_postfilter", "embedded, with the dense post-filter", "tab:blue", "--"),
    ("search_server_postfilter", "server, with the dense post-filter", "tab:orange", "--"),
]


def main() -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("matplotlib is missing: `make bench` installs it (pip install -e '.[bench]')")
    res = json.loads((ROOT / "bench" / "results.json").read_text())
    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    for key, label, colour, style in SERIES:
        p50, p95 = res.get(f"{key}_p50_ms", {}), res.get(f"{key}_p95_ms", {})
        sizes = sorted(int(s) for s in p95 if int(s) % 1000 == 0)  # synthetic stores only
        if not sizes:
            continue
        ax.plot(sizes, [p95[str(s)] for s in sizes], style, color=colour, marker="o", label=f"{label}: p95")
        ax.plot(sizes, [p50[str(s)] for s in sizes], style, color=colour, marker=".", alpha=0.45,
                label=f"{label}: p50")
        for s in sizes:
            ax.annotate(f"{p95[str(s)]:,.0f}", (s, p95[str(s)]), textcoords="offset points", xytext=(4, 4),
                        fontsize=7, color=colour)
    ax.axhline(100, color="grey", linestyle=":", linewidth=1)
    ax.text(ax.get_xlim()[0] if ax.lines else 1e4, 104, " 100 ms", color="grey", fontsize=8, va="bottom")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chunks in the corpus")
    ax.set_ylabel("hybrid search latency, k=10, as of today (ms)")
    machine = res.get("machine", {})
    ax.set_title(f"Search latency against corpus size ({machine.get('cores', '?')} cores, {machine.get('cpu', '?')})",
                 fontsize=10)
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    out = ROOT / "docs" / "search_latency.png"
    out.parent.mkdir(exist_ok=True)
    fig.savefig(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
