"""Generation speed and memory per scale: ``zhijian synth generate`` in a child process,
its wall-clock seconds and peak RSS (os.wait4), and the rows written.

    .venv/bin/python benchmarks/synth.py [--scales tiny small medium] [--format parquet]

Goal: the province scale in 10 minutes or less on two cores, peak memory under 8 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run(scale: str, file_format: str, out: Path) -> tuple[float, float, int]:
    """Seconds, peak MB and rows written for one scale."""
    command = [
        sys.executable, "-m", "zhijian", "synth", "generate", "--scale", scale,
        "--seed", "1", "--out", str(out), "--format", file_format, "--quiet",
    ]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{scale} failed: {error}")
    output = json.loads(process.stdout.read().decode() if process.stdout else "{}")
    return seconds, usage.ru_maxrss / 1024, sum(output["rows"].values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", nargs="+", default=["tiny", "small", "medium"])
    parser.add_argument("--format", default="parquet", choices=["csv", "parquet"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zhijian-synth-") as folder:
        for scale in args.scales:
            seconds, peak, rows = run(scale, args.format, Path(folder) / scale)
            print(
                f"{scale:9s} {args.format:8s} {seconds:8.1f} s  peak {peak:7.0f} MB  "
                f"{rows:13,d} rows  {rows / seconds:12,.0f} rows/s"
            )


if __name__ == "__main__":
    main()
