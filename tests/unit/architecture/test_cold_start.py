"""What a Lambda imports at cold start: the app and its services, without libraries only one path needs.

Pillow (image previews) is imported when an image upload is checked, not with the app: the
roster worker and every other API call would pay for it at each cold start.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
ONLY_WHEN_NEEDED = ("PIL",)


def test_the_app_and_its_services_load_without_pillow() -> None:
    probe = (
        "import json, sys\n"
        "import app\n"
        "from chalicelib.bootstrap import build_services\n"
        "from chalicelib.config import settings\n"
        "build_services(settings())\n"
        f"print(json.dumps([m for m in {ONLY_WHEN_NEEDED!r} if m in sys.modules]))\n"
    )
    environment = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "PYTHONPATH": str(ROOT)}
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )
    assert json.loads(loaded.stdout.strip().splitlines()[-1]) == []
