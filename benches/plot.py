#!/usr/bin/env python3
"""Render `she bench --json` lines (and optional TFHE-rs comparison lines) as an SVG bar chart.

Usage: she bench --json > bench.jsonl
       python3 benches/plot.py bench.jsonl [vs_tfhe_rs.jsonl] > benches/bench.svg
Standard library only. Each input line is one JSON object with at least
"primitive", "params", "median_ms" (and "library" for comparison lines).
"""
import json
import math
import sys


def load(path):
    with open(path) as f:
        rows = [json.loads(line) for line in f if line.strip().startswith("{")]
        return [r for r in rows if "median_ms" in r]


def main():
    rows = []
    for r in load(sys.argv[1]):
        rows.append((f'{r["primitive"]} ({r["params"]}, {r.get("threads", 1)}t)', r["median_ms"], "#3b6ea8"))
    if len(sys.argv) > 2:
        for r in load(sys.argv[2]):
            colour = "#3b6ea8" if r.get("library", "").startswith("she") else "#c0504d"
            rows.append((f'{r["library"]}: {r["primitive"]} ({r["params"]})', r["median_ms"], colour))
    width, bar, gap, left = 900, 18, 8, 330
    height = 60 + len(rows) * (bar + gap)
    top = max(v for _, v, _ in rows)
    # Log scale: primitives span microseconds to tens of milliseconds.
    lo = 10 ** math.floor(math.log10(min(v for _, v, _ in rows)))
    scale = (width - left - 90) / (math.log10(top) - math.log10(lo))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<text x="10" y="20" font-size="14">Median wall time, log scale (ms) — blue: this project, red: TFHE-rs 1.8.2</text>']
    for i, (label, value, colour) in enumerate(rows):
        y = 40 + i * (bar + gap)
        w = max(1.0, (math.log10(value) - math.log10(lo)) * scale)
        out.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">{label}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour}"/>')
        out.append(f'<text x="{left + w + 4:.1f}" y="{y + 13}">{value:.4g} ms</text>')
    out.append("</svg>")
    print("\n".join(out))


if __name__ == "__main__":
    main()
