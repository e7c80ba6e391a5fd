"""Shared test inputs."""

from pathlib import Path

import pytest


@pytest.fixture
def seeds_dir() -> Path:
    """The five sample articles shipped with the source tree."""
    return Path(__file__).parent.parent / "seeds"
