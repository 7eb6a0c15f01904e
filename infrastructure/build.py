"""Assembling the one deployable template (``make package STAGE=dev`` runs this module).

1. :func:`merge_template` deep-merges ``template.json`` (hand-written: the bucket
   and its notification, the queues, the alarm, the SMS settings, and what
   Chalice has no option for on the resources it generates) with
   ``generated.json`` (the tables and the gateway responses, derived from the
   code by ``infrastructure.generate``), and pins the ``Stage`` parameter to
   the stage being packaged, so a template packaged for dev cannot be deployed
   as prod.
2. :func:`package` runs ``chalice package --merge-template`` with it: Chalice
   deep-merges it into its own SAM template, giving ``build/<stage>/sam.json``
   and ``build/<stage>/deployment.zip``.

Chalice's merge replaces a value only when both sides use the same key. So
the SQS event sources name their queue as ``{"Fn::Sub": "${UploadQueue.Arn}"}``
(Chalice writes ``{"Fn::Sub": "arn:...:<queue name>"}``); a ``Fn::GetAtt``
would end up beside Chalice's ``Fn::Sub`` instead of replacing it.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
HAND_WRITTEN = HERE / "template.json"
GENERATED = HERE / "generated.json"
DEFAULT_BUILD_ROOT = PROJECT / "build"


class MergeConflict(ValueError):
    """The two template parts both set the same value."""


def deep_merge(base: dict[str, Any], extra: dict[str, Any], path: str = "") -> dict[str, Any]:
    """``base`` with ``extra`` merged in; two different values at one place are an error."""
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        where = f"{path}.{key}" if path else key
        if key in merged and isinstance(merged[key], dict) and isinstance(value, dict):
            merged[key] = deep_merge(merged[key], value, where)
        elif key in merged and merged[key] != value:
            raise MergeConflict(f"both template parts set {where}")
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _load(path: Path) -> dict[str, Any]:
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise ValueError(f"{path} is not a JSON object")
    return document


def merge_template(stage: str) -> dict[str, Any]:
    """The template to merge into Chalice's: hand-written + generated, ``Stage`` pinned to ``stage``."""
    template = deep_merge(_load(HAND_WRITTEN), _load(GENERATED))
    parameter = template["Parameters"]["Stage"]
    parameter["Default"] = stage
    parameter["AllowedValues"] = [stage]
    return template


def chalice_command() -> list[str]:
    """How to run the Chalice CLI of this interpreter's environment."""
    beside = Path(sys.executable).with_name("chalice")
    found = str(beside) if beside.exists() else shutil.which("chalice")
    if found is None:
        raise RuntimeError("the chalice CLI is not installed (make install)")
    return [found]


def package(stage: str, out_dir: Path) -> Path:
    """Write ``sam.json`` and ``deployment.zip`` for ``stage`` into ``out_dir``; returns the template."""
    out_dir = out_dir.resolve()
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    merge_file = out_dir.parent / f"{out_dir.name}.merge-template.json"
    merge_file.write_text(json.dumps(merge_template(stage), indent=2) + "\n", encoding="utf-8")
    environment = dict(os.environ)
    # The template names its region with ${AWS::Region}; Chalice only insists that one is configured.
    environment.setdefault("AWS_DEFAULT_REGION", environment.get("AWS_REGION", "us-east-1"))
    environment["STAGE"] = stage
    subprocess.run(  # noqa: S603 - fixed argv, no shell
        [*chalice_command(), "package", "--stage", stage, "--merge-template", str(merge_file), str(out_dir)],
        cwd=PROJECT,
        env=environment,
        check=True,
    )
    return out_dir / "sam.json"


def main(argv: list[str]) -> int:
    """``python -m infrastructure.build STAGE [OUT_DIR]``."""
    if not argv or len(argv) > 2:
        print("usage: python -m infrastructure.build STAGE [OUT_DIR]", file=sys.stderr)
        return 2
    stage = argv[0]
    out_dir = Path(argv[1]) if len(argv) > 1 else DEFAULT_BUILD_ROOT / stage
    template = package(stage, out_dir)
    print(f"packaged stage {stage}: {template}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
