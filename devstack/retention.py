"""Run the retention sweep once against the running local stack (``python -m devstack.retention``).

In AWS the sweep is the scheduled Lambda ``retention_sweep`` (daily); locally
nothing schedules it, so it runs on demand: this calls the same handler with a
CloudWatch scheduled event, against the emulator of ``make run``
(``EMULATOR_PORT``, default 5000), and prints what it did.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any


def scheduled_event(now: datetime) -> dict[str, Any]:
    """The event EventBridge sends a scheduled Lambda."""
    return {
        "version": "0",
        "id": "local-retention-sweep",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        "resources": [],
        "detail": {},
    }


def main() -> None:
    """Point at the local stack's emulator and run the sweep once."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("AWS_ENDPOINT_URL", f"http://127.0.0.1:{os.environ.get('EMULATOR_PORT', '5000')}")
    os.environ.setdefault("STAGE", "local")
    import app as application

    print(json.dumps(application.retention_sweep(scheduled_event(datetime.now(UTC)), None)))


if __name__ == "__main__":
    main()
