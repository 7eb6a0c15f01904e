"""``python -m bench`` (``make bench``): every benchmark of the service, one after another.

Each prints ratios against a baseline measured in the same run, and request
counts, never bare times: see the README's "Speed and memory" section.
"""

from __future__ import annotations

from bench import chats, fanout, members, pipeline, worker_memory
from bench.capacity import run as capacity

if __name__ == "__main__":
    print("== roster import (bench/pipeline.py)")
    pipeline.main()
    print("\n== chat lists, messages, sends (bench/chats.py)")
    chats.main()
    print("\n== a members page and the roster behind it (bench/members.py)")
    members.main()
    print("\n== a send at any chat size, and the fan-out behind it (bench/fanout.py)")
    fanout.main()
    print("\n== worker memory and stage 1 CPU by roster size (bench/worker_memory.py)")
    memory = worker_memory.main() or {}
    print("\n== region capacity: traced import and school day, scaled (bench/capacity/)")
    capacity.main(
        [],
        stage1_cpu_s_per_100mb=memory.get("stage1_cpu_s_per_100mb"),
        sync_cpu_s=memory.get("100MB", {}).get("one_school_sync", {}).get("cpu_s"),
    )
