"""Fuzzing `ingest_file` (issue 15, "nothing lost, nothing invented"): a benchmark, not a test.

    .venv/bin/python benchmarks/fuzz_ingest.py [--cases 10000] [--seed 0] [--show 5]

Mutates the first lines of the demo bundle's sensor logs and every file of
tests/pipelines/sensors/data/real (byte flips, truncation, stray quotes, repeated header lines,
blank lines, UTF-16 with and without an odd trailing byte, odd variable names; see
tests/pipelines/sensors/fuzzing.py) and ingests each into one temporary SQLite workspace.

For any bytes, `ingest_file` must return a report: rejected as a whole with a reason, or with
accepted + duplicate + rejected equal to the file's data rows. Prints the tracebacks of anything
raised (grouped by where it was raised), the rows unaccounted for, the cases by mutation and
outcome, and the slowest case. Exits 1 if any case broke the promise.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from pipelines.store import storage  # noqa: E402
from tests.pipelines.sensors.fuzzing import (  # noqa: E402
    MUTATIONS,
    check_case,
    devices,
    mutate,
    seeds,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", type=int, default=5, help="tracebacks shown per kind")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    rng = random.Random(args.seed)
    files = seeds()
    registry = devices()
    failures: dict[str, list[str]] = collections.defaultdict(list)
    by_kind: collections.Counter[tuple[str, str]] = collections.Counter()
    unaccounted_rows = unaccounted_files = rows_checked = 0
    slowest = (0.0, "", "")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fuzz-ingest-") as folder:
        workspace = storage.Workspace(Path(folder) / "ws")
        engine = storage.open_workspace(workspace)
        try:
            for case in range(args.cases):
                seed = rng.choice(files)
                kind = rng.choice(MUTATIONS)
                data = mutate(seed.data, kind, rng)
                name = f"case{case}-{kind}-{seed.name}"
                t0 = time.perf_counter()
                outcome = check_case(engine, workspace, registry, data, name)
                elapsed = time.perf_counter() - t0
                if elapsed > slowest[0]:
                    slowest = (elapsed, name, f"{len(data)} bytes")
                rows_checked += outcome.rows or 0
                if outcome.problem is None:
                    status = outcome.report.status if outcome.report else "?"
                    by_kind[(kind, status)] += 1
                    continue
                by_kind[(kind, "BROKEN")] += 1
                if outcome.unaccounted:
                    unaccounted_rows += outcome.unaccounted
                    unaccounted_files += 1
                failures[_kind_of(outcome.problem)].append(f"{name}:\n{outcome.problem}")
                if (case + 1) % 1000 == 0:
                    print(f"  {case + 1} cases, {time.perf_counter() - started:.0f} s", flush=True)
        finally:
            engine.dispose()
    total = time.perf_counter() - started
    print(f"\n{args.cases} cases in {total:.1f} s ({args.cases / total:.0f} cases/s)")
    print("\ncases by mutation and outcome:")
    for kind in MUTATIONS:
        counts = {s: n for (k, s), n in by_kind.items() if k == kind}
        print(f"  {kind:14s} " + ", ".join(f"{s} {n}" for s, n in sorted(counts.items())))
    broken = sum(len(v) for v in failures.values())
    print(f"\nbroken promises: {broken} case(s)")
    for kind, cases in sorted(failures.items(), key=lambda item: -len(item[1])):
        print(f"\n=== {len(cases)} x {kind}")
        for text in cases[: args.show]:
            print(text)
    print(
        f"\nrows unaccounted (neither accepted, duplicate nor rejected): {unaccounted_rows} "
        f"in {unaccounted_files} file(s); long-format rows checked: {rows_checked}"
    )
    print(f"slowest case: {slowest[1]} ({slowest[2]}) {slowest[0] * 1000:.0f} ms")
    return 1 if broken else 0


def _kind_of(problem: str) -> str:
    """A failure's group: the exception and the line of our code it came from, or its text."""
    lines = [line.strip() for line in problem.strip().splitlines()]
    if lines and lines[0].startswith("Traceback"):
        ours = [line for line in lines if line.startswith('File "') and "/pipelines/" in line]
        return f"{lines[-1].split(':')[0]} at {ours[-1] if ours else '?'}"
    if "neither read nor rejected" in problem:
        return "data lines neither read nor rejected"
    if " data rows but " in problem:
        return "long-format rows not accounted for"
    return problem.split(":")[0][:60]


if __name__ == "__main__":
    sys.exit(main())
