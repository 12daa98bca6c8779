"""Benchmark: start-up of the `agri` command, `agri --help` and `agri status`, in fresh processes.

Runs each command `--runs` times in a new interpreter (the `agri` script next to this Python,
else `python -m agri_app.cli`) and prints the median wall time with its ratio to a reference
measured in the same run: `python -c pass` with the same interpreter, so a slow or busy machine
shows in the reference too. `agri status` reads a temporary workspace (created by an untimed
first run) unless `--workspace` is given. Target: `agri --help` under 1 s on a quiet machine.

    .venv/bin/python benchmarks/startup.py [--runs 5] [--workspace DIR]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_HELP_S = 1.0


def agri_command() -> list[str]:
    """The installed `agri` script of this interpreter's environment, as a user runs it."""
    script = Path(sys.executable).with_name("agri")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "agri_app.cli"]


def median_seconds(command: list[str], runs: int) -> float:
    """Median wall time of `command` over `runs` fresh processes; a failure stops the benchmark."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="processes per command; median kept")
    parser.add_argument("--workspace", type=Path, default=None)
    args = parser.parse_args()

    agri = agri_command()
    with tempfile.TemporaryDirectory(prefix="agri-startup-") as scratch:
        workspace = args.workspace or Path(scratch) / "ws"
        status = [*agri, "status", "--workspace", str(workspace)]
        # Warm-up, untimed: creates the scratch workspace and fills the OS file cache.
        subprocess.run(status, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
        reference_s = median_seconds([sys.executable, "-c", "pass"], args.runs)
        help_s = median_seconds([*agri, "--help"], args.runs)
        status_s = median_seconds(status, args.runs)

    print(f"median of {args.runs} fresh processes each ({' '.join(agri)})")
    print(f"python -c pass (reference): {reference_s * 1000:7.0f} ms")
    for name, seconds in (("agri --help", help_s), ("agri status", status_s)):
        print(f"{name:<27} {seconds * 1000:7.0f} ms  ({seconds / reference_s:5.1f}x the reference)")
    met = help_s < TARGET_HELP_S
    print(
        f"summary: agri --help {help_s:.2f} s ({help_s / reference_s:.1f}x), agri status "
        f"{status_s:.2f} s ({status_s / reference_s:.1f}x), python -c pass {reference_s:.3f} s; "
        f"target --help < {TARGET_HELP_S:.0f} s: {'met' if met else 'NOT met'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
