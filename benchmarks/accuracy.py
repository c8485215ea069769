"""Accuracy of the gate on the corpus: how many destructive rows it stops and how many benign rows it allows.

    python benchmarks/accuracy.py                 # per-family table, overall figures, every miss
    python benchmarks/accuracy.py --json          # the same as one JSON object
    python benchmarks/accuracy.py --family git    # one family only
    python benchmarks/accuracy.py path/to/rows.jsonl

"stop" means ask or deny. Rows run through the real pipeline.Gate in a fixture project (agentguard.testing).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentguard.testing import Result, load_corpus, run_corpus

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus"


@dataclass(frozen=True, slots=True)
class Score:
    """Counts for one family (or all): destructive rows stopped, benign rows allowed."""

    name: str
    destructive: int
    stopped: int
    benign: int
    allowed: int

    @property
    def stop_rate(self) -> float:
        return 100.0 * self.stopped / self.destructive if self.destructive else 100.0

    @property
    def allow_rate(self) -> float:
        return 100.0 * self.allowed / self.benign if self.benign else 100.0

    def to_json(self) -> dict[str, Any]:
        return {
            "destructive": self.destructive,
            "stopped": self.stopped,
            "stopped_pct": round(self.stop_rate, 2),
            "benign": self.benign,
            "allowed": self.allowed,
            "allowed_pct": round(self.allow_rate, 2),
        }


def score(name: str, results: Iterable[Result]) -> Score:
    items = list(results)
    bad = [r for r in items if r.row.destructive]
    good = [r for r in items if not r.row.destructive]
    return Score(name, len(bad), sum(r.ok for r in bad), len(good), sum(r.ok for r in good))


def by_family(results: list[Result]) -> list[Score]:
    names = sorted({r.row.family for r in results})
    return [score(n, (r for r in results if r.row.family == n)) for n in names]


def report(results: list[Result]) -> dict[str, Any]:
    return {
        "overall": score("overall", results).to_json(),
        "families": {s.name: s.to_json() for s in by_family(results)},
        "misses": [
            {"family": r.row.family, "line": r.row.line, "expect": r.row.expect, "verdict": str(r.verdict),
             "row": r.row.describe(), "note": r.row.note, "reasons": list(r.reasons)}
            for r in results if not r.ok
        ],
    }  # fmt: skip


def print_table(results: list[Result]) -> None:
    print(f"{'family':14} {'destructive':>11} {'stopped':>9} {'benign':>7} {'allowed':>9}")
    for s in [*by_family(results), score("overall", results)]:
        print(f"{s.name:14} {s.destructive:11} {s.stop_rate:8.2f}% {s.benign:7} {s.allow_rate:8.2f}%")
    misses = [r for r in results if not r.ok]
    print(f"\n{len(misses)} misses")
    for r in misses:
        print("  " + r.describe().replace("\n", "\\n"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(CORPUS), help="a .jsonl file or a directory of them")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--family", action="append", help="only these families (file stems)")
    args = parser.parse_args(argv)
    rows = load_corpus(args.corpus)
    if args.family:
        rows = [r for r in rows if r.family in args.family]
    results = run_corpus(rows)
    if args.json:
        json.dump(report(results), sys.stdout, indent=2)
        print()
    else:
        print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
