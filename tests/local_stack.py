"""The local stack (`make run`) started as a real process, as a newcomer starts it: for tests needing HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support import free_port

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Stack:
    """A running local stack: its process, its READY line's pairs, and everything it printed so far."""

    process: subprocess.Popen[str]
    ready: dict[str, str]
    output: list[str]


def start_stack(extra_env: dict[str, str], timeout_s: float = 180) -> Stack:
    """``python -m devstack`` on free ports, once it printed its READY line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TABLE_", "ROSTER_", "STAGE"))}
    env.update({"PORT": str(free_port()), "EMULATOR_PORT": str(free_port()), "PYTHONUNBUFFERED": "1"})
    for key in (
        "UPLOAD_QUEUE_NAME",
        "SCHOOL_QUEUE_NAME",
        "DEAD_LETTER_QUEUE_NAME",
        "FANOUT_QUEUE_NAME",
        "JOURNAL_JWT_SECRET",
    ):
        env.pop(key, None)
    env.update(extra_env)
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    deadline = time.monotonic() + timeout_s
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line.rstrip("\n"))
        if line.startswith("READY "):
            pairs = dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)
            return Stack(process, pairs, output)
    process.kill()
    raise AssertionError("no READY line:\n" + "\n".join(output))


def stop_stack(stack: Stack, sig: int = signal.SIGINT) -> int:
    """Stop it as Ctrl-C (or ``sig``) would; its exit code."""
    stack.process.send_signal(sig)
    try:
        return stack.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        stack.process.kill()
        raise
