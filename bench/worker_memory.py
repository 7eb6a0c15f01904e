"""Peak memory of the worker by roster size: stage 1 (read, split, fan out) and one school's sync.

Uploads generated flat rosters of about 10 MB and 100 MB to a moto server,
then runs the real upload handler's work (``import_upload``) for each in a
fresh subprocess — as a Lambda would — and one school's sync from the large
import in another, printing each child's peak RSS and the large/small ratio.
The goal: flat in roster size, and a 100 MB roster under 256 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.parse_memory import CLASSES_PER_SCHOOL, PARENTS_PER_STUDENT, STUDENTS_PER_CLASS, schools_for
from bench.support import moto_server, use_emulator

MB = 1_000_000


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(mode: str, argument: str) -> None:
    from chalicelib.bootstrap import build_services
    from chalicelib.config import settings
    from chalicelib.pipeline.queue_payloads import SchoolSyncMessage, UploadedObject

    services = build_services(settings())

    started = time.process_time()
    if mode == "upload":
        from chalicelib.pipeline.upload import import_upload

        upload = UploadedObject(settings().roster_bucket, argument, None, "bench", "2026-09-01T08:00:00.000Z")
        import_upload(services, upload)
        result: dict[str, Any] = {"import_id": upload.import_id}
    else:
        from chalicelib.pipeline.school_sync import sync_school

        import_id, school_id = argument.split("/", 1)
        sync_school(services, SchoolSyncMessage(import_id=import_id, school_id=school_id))
        result = {}
    result.update({"peak_rss_mib": round(_peak_mib(), 1), "cpu_s": round(time.process_time() - started, 1)})
    print(json.dumps(result))


def _run_child(mode: str, argument: str) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, "-m", "bench.worker_memory", "--child", mode, argument],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def run(sizes_mb: tuple[int, ...] = (10, 100)) -> dict[str, Any]:
    """Measure each size; returns the figures."""
    from devstack.rostergen import write_flat_csv

    figures: dict[str, Any] = {}
    with moto_server() as url, tempfile.TemporaryDirectory() as scratch:
        use_emulator(url)
        from chalicelib.aws import client
        from chalicelib.config import settings
        from chalicelib.store.imports import DynamoImportStore

        for size in sizes_mb:
            path = Path(scratch) / f"roster-{size}mb.csv"
            with path.open("wb") as handle:
                schools = schools_for(size * MB)
                write_flat_csv(
                    handle, schools, CLASSES_PER_SCHOOL, STUDENTS_PER_CLASS, PARENTS_PER_STUDENT, seed=size
                )
            key = f"rosters/bench-{size}mb.csv"
            client("s3").upload_file(str(path), settings().roster_bucket, key)
            stage_one = _run_child("upload", key)
            report = DynamoImportStore().report(stage_one["import_id"])
            assert report is not None
            figures[f"{size}MB"] = {
                "bytes": path.stat().st_size,
                "schools": report["counts"]["schools"],
                "people": report["counts"]["people"],
                "stage1": stage_one,
            }
            path.unlink()
        largest = f"{max(sizes_mb)}MB"
        import_id = figures[largest]["stage1"]["import_id"]
        school_id = DynamoImportStore().report(import_id)["schools"][0]["school_id"]  # type: ignore[index]
        figures[largest]["one_school_sync"] = _run_child("school", f"{import_id}/{school_id}")
    small, large = (f"{s}MB" for s in (min(sizes_mb), max(sizes_mb)))
    figures["stage1_peak_ratio_large_over_small"] = round(
        figures[large]["stage1"]["peak_rss_mib"] / figures[small]["stage1"]["peak_rss_mib"], 2
    )
    # Stage 1's CPU per 100 MB of roster (goal: at most 25 s), read by the capacity model.
    figures["stage1_cpu_s_per_100mb"] = round(
        figures[large]["stage1"]["cpu_s"] * 100 * MB / figures[large]["bytes"], 1
    )
    return figures


def main() -> dict[str, Any] | None:
    """Command line: ``python -m bench.worker_memory``; returns the figures it printed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(sys.argv[1:] if __name__ == "__main__" else [])
    if args.child:
        _child(*args.child)
        return None
    figures = run()
    print(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
