"""Peak memory of reading a flat roster: ~10 MB versus ~100 MB (SPEC §5, flat memory).

Generates two flat rosters with :mod:`devstack.rostergen` into a temporary
directory, reads each in a fresh subprocess the way the pipeline does
(``read_roster``, then every ``school_updates()`` item encoded as its JSON
shard), and prints each child's peak RSS (``ru_maxrss``), the wall and CPU
time it took, the size of its on-disk staging store, and the ratio of the two
peaks. Memory that stays flat in roster size gives a
ratio near 1.

    python -m bench.parse_memory            # ~10 MB and ~100 MB
    python -m bench.parse_memory --scale 0.1
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from chalicelib.roster.model import update_to_json
from chalicelib.roster.reader import RosterLimits, read_roster
from devstack.rostergen import flat_csv, write_flat_csv

CLASSES_PER_SCHOOL = 33
STUDENTS_PER_CLASS = 25
PARENTS_PER_STUDENT = 2
SEED = 2025
MB = 1_000_000
LIMITS = RosterLimits(max_bytes=1 << 30, max_uncompressed_bytes=1 << 31, max_compression_ratio=100)


def schools_for(target_bytes: int) -> int:
    """How many generated schools make a flat roster of about ``target_bytes``."""
    one = len(flat_csv(1, CLASSES_PER_SCHOOL, STUDENTS_PER_CLASS, PARENTS_PER_STUDENT, SEED))
    return max(1, round(target_bytes / one))


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(path: Path) -> None:
    """Read one roster as the pipeline does and print what it cost, as JSON."""
    # The staging store goes to a directory of its own, so its size on disk can be measured.
    tempfile.tempdir = tempfile.mkdtemp(prefix="bench-staging-", dir=path.parent)
    started = time.perf_counter()
    parsed = read_roster(path, path.name, LIMITS)
    read_s = time.perf_counter() - started
    read_cpu_s = _cpu_s()
    staging_mb = sum(f.stat().st_size for f in Path(tempfile.tempdir).rglob("*") if f.is_file()) / MB
    shard_bytes = 0
    try:
        for update in parsed.school_updates():
            shard_bytes += len(json.dumps(update_to_json(update), ensure_ascii=False))
    finally:
        parsed.close()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        json.dumps(
            {
                "peak_mib": round(peak_kib / 1024, 1),
                "read_s": round(read_s, 1),
                "total_s": round(time.perf_counter() - started, 1),
                "read_cpu_s": round(read_cpu_s, 1),
                "total_cpu_s": round(_cpu_s(), 1),
                "staging_mb": round(staging_mb, 1),
                "schools": parsed.counts.schools,
                "people": parsed.counts.people,
                "rows_skipped": parsed.issues.rows_skipped,
                "shard_mb": round(shard_bytes / MB, 1),
            }
        )
    )


def measure(path: Path) -> dict[str, float]:
    """Run :func:`child` on ``path`` in a fresh interpreter and return its figures."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.parse_memory", "--child", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    """Generate the two rosters, measure both, print the figures and the ratio."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply both sizes (default 1)")
    options = parser.parse_args()
    if options.child is not None:
        child(options.child)
        return
    peaks: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-parse-") as directory:
        for target_mb in (10, 100):
            schools = schools_for(int(target_mb * options.scale * MB))
            path = Path(directory) / f"flat-{target_mb}mb.csv"
            with open(path, "wb") as handle:
                write_flat_csv(
                    handle, schools, CLASSES_PER_SCHOOL, STUDENTS_PER_CLASS, PARENTS_PER_STUDENT, SEED
                )
            size_mb = path.stat().st_size / MB
            figures = measure(path)
            path.unlink()
            peaks.append(figures["peak_mib"])
            print(f"{size_mb:7.1f} MB, {schools} schools: {json.dumps(figures)}", flush=True)
    print(f"peak RSS ratio (large/small): {peaks[1] / peaks[0]:.2f}")


if __name__ == "__main__":
    main()
