"""Plot search latency against corpus size from bench/results.json into docs/search_latency.png.

    .venv/bin/python bench/plot.py          # needs the bench extra: pip install -e '.[bench]'
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

VARIANTS = [("", "search.py", "-"), ("_prune", "+ common words left out of FTS5 (tried, not adopted)", ":")]
STORES = [("embedded", "tab:blue"), ("server", "tab:orange")]


def main() -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("matplotlib is missing: `make bench` installs it (pip install -e '.[bench]')")
    res = json.loads((ROOT / "bench" / "results.json").read_text())
    scale = res.get("scale", {})
    fig, axes = plt.subplots(1, 2, figsize=(11, 5), dpi=110)
    loads = []
    for ax, what in zip(axes, ("p95_ms", "cpu_p95_ms")):
        for store, colour in STORES:
            for suffix, label, style in VARIANTS:
                variant = suffix.lstrip("_") or "current"
                pts = []
                for size in sorted(scale, key=int):
                    run = scale[size].get(store, {}).get(variant)
                    if not run or "as_of_today" not in run.get("modes", {}) or what not in run["modes"]["as_of_today"]:
                        continue
                    pts.append((int(size), run["modes"]["as_of_today"][what]))
                    loads.append(float(run["load_before"].split()[0]))
                if not pts:
                    continue
                ax.plot([p[0] for p in pts], [p[1] for p in pts], style, color=colour, marker="o",
                        label=f"{store}, {label}")
                for x, y in pts:
                    ax.annotate(f"{y:,.0f}", (x, y), textcoords="offset points", xytext=(4, 3), fontsize=7, color=colour)
        ax.axhline(100, color="grey", linestyle="-.", linewidth=0.8)
        ax.annotate("100 ms", (1, 100), xycoords=("axes fraction", "data"), xytext=(-38, 3),
                    textcoords="offset points", fontsize=7, color="grey")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("chunks in the corpus")
        ax.grid(True, which="both", alpha=0.25)
    axes[0].set_ylabel("ms")
    axes[0].set_title("p95 wall time, hybrid k=10, as of today", fontsize=9)
    axes[1].set_title("p95 CPU time of the searching process (machine load set aside)", fontsize=9)
    axes[0].legend(fontsize=7, loc="upper left")
    machine = res.get("machine", {})
    load = f", load average {min(loads):.0f}-{max(loads):.0f} from other jobs" if loads else ""
    fig.suptitle(f"Search latency against corpus size ({machine.get('cores', '?')} cores, {machine.get('cpu', '?')}{load})",
                 fontsize=10)
    fig.tight_layout()
    out = ROOT / "docs" / "search_latency.png"
    out.parent.mkdir(exist_ok=True)
    fig.savefig(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
