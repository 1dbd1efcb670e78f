"""Paths of the real FINESS samples (shared/data/finess) and of the crafted fixtures next to the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def finess_dir(shared_dir: Path) -> Path:
    return shared_dir / "data" / "finess"


@pytest.fixture(scope="session")
def finess_plus_sample(finess_dir: Path) -> Path:
    return finess_dir / "finess-plus" / "sample-finess-structures-journalier-20260309.json"


@pytest.fixture(scope="session")
def etalab_lines(finess_dir: Path) -> Path:
    return finess_dir / "etalab-real-lines" / "etalab-cs1100502-stock-20260512-0339.excerpt-15-lines.csv"


@pytest.fixture(scope="session")
def fhir_sample(finess_dir: Path) -> Path:
    return finess_dir / "fhir-20210108" / "finess-fhir-20210108-dep49-75.ndjson"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES
