"""Shared fixtures: where the shared corpus is, a library on the fake embedder, and the
flaskr-style app / client / runner."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def shared_dir() -> Path | None:
    p = Path(os.environ.get("PRECEDENT_SHARED") or ROOT.parent / "shared")
    return p if (p / "corpus").is_dir() else None


@pytest.fixture(scope="session")
def shared() -> Path:
    p = shared_dir()
    if p is None:
        pytest.skip("shared corpus not found (set PRECEDENT_SHARED)")
    return p


@pytest.fixture(autouse=True)
def _fake_model_by_default(monkeypatch):
    """Unit tests never load torch unless they ask for the real model."""
    monkeypatch.setenv("PRECEDENT_MODEL", "fake-hashing-384")


@pytest.fixture
def docs_dir(tmp_path) -> Path:
    """A small folder of text documents written by the test itself."""
    d = tmp_path / "docs"
    d.mkdir()
    (d / "letter.txt").write_text(
        "Regulation 28 Report to Prevent Future Deaths.\n\n"
        "Concern: Information shared at the MARAC meeting was not properly minuted, or not minuted at all.\n\n"
        "Response: Since taking over responsibility for minuting MARAC meetings we have recruited trained "
        "minute takers and every meeting is now minuted in full and the minutes shared with all agencies.\n\n"
        "Concern: The <b>risk assessment</b> was not reviewed after the second incident (DASH score <15 & falling) and nobody noticed.\n\n"
        "Response: The DASH risk assessment is now reviewed by a supervisor within 24 hours.\n",
        encoding="utf-8",
    )
    (d / "minutes.md").write_text(
        "# Safeguarding board minutes\n\nPresent: chair, police, health.\n\n"
        "Item 3 - Training on professional curiosity was discussed; staff training has not happened.\n\n"
        "ACTION - the board will commission training for all staff by March 2025.\n",
        encoding="utf-8",
    )
    (d / "empty.txt").write_bytes(b"")
    (d / "noise.bin").write_bytes(bytes(range(256)) * 40)
    return d


@pytest.fixture
def library(tmp_path):
    from index.library import open_library

    lib = open_library(tmp_path / "lib", model="fake-hashing-384")
    yield lib
    lib.close()


@pytest.fixture
def filled_library(library, docs_dir):
    from index.ingest.pipeline import ingest

    ingest(library, [docs_dir])
    return library


@pytest.fixture
def app(filled_library):
    from webui import create_app

    return create_app({"TESTING": True, "LIBRARY": filled_library})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner():
    from click.testing import CliRunner

    return CliRunner()
