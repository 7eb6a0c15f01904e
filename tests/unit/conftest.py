"""Unit and use-case tests run on pure code and the in-memory twins: none of them may reach AWS.

A test that needs the emulator belongs in ``tests/integration`` or ``tests/contract``.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def aws_out_of_reach(no_aws: Any) -> None:
    """Every unit test runs as a test on the twins does (``no_aws``): it fails if it reached AWS."""
