"""``python -m bench`` (``make bench``): every benchmark of the service, one after another.

Each prints ratios against a baseline measured in the same run, and request
counts, never bare times: see the README's "Speed and memory" section.
"""

from __future__ import annotations

from bench import chats, pipeline, worker_memory

if __name__ == "__main__":
    print("== roster import (bench/pipeline.py)")
    pipeline.main()
    print("\n== chat lists, messages, sends (bench/chats.py)")
    chats.main()
    print("\n== worker memory by roster size (bench/worker_memory.py)")
    worker_memory.main()
