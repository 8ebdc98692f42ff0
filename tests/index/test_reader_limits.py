"""The reader within its limits: a file over its time or a dying reader costs that file only,
what was read before is committed and the next files go on; limits come from the settings."""
import os
import time

import pytest

from index.ingest import reader as reader_module
from index.ingest.pipeline import ingest

GOOD = "The trust did not share the discharge plan with the GP. {} It has since changed its policy."


def _folder(tmp_path, names):
    d = tmp_path / "in"
    d.mkdir()
    for i, n in enumerate(names):
        (d / n).write_text(GOOD.format(f"Case number {i} of {n}."))
    return d


def _added(report):
    return sorted(a["source"].rsplit("/", 1)[-1] for a in report.added)


def _failed(report):
    return {f["path"].rsplit("/", 1)[-1]: f["reason"] for f in report.failed}


def test_file_over_its_time_is_abandoned_and_the_next_files_go_on(library, tmp_path, monkeypatch):
    monkeypatch.setenv("PRECEDENT_FILE_SECONDS", "1")
    real = reader_module.readers.read_path

    def slow(path, limits=None):
        if path.name == "b-slow.txt":
            time.sleep(60)
        return real(path, limits)

    monkeypatch.setattr(reader_module.readers, "read_path", slow)
    d = _folder(tmp_path, ["a.txt", "b-slow.txt", "c.txt", "d.txt"])
    t0 = time.perf_counter()
    report = ingest(library, [d], processes=1)
    assert time.perf_counter() - t0 < 20
    assert _added(report) == ["a.txt", "c.txt", "d.txt"]
    assert "abandoned" in _failed(report)["b-slow.txt"] and "PRECEDENT_FILE_SECONDS" in _failed(report)["b-slow.txt"]


def test_document_extracting_over_its_time_is_abandoned(library, tmp_path, monkeypatch):
    monkeypatch.setenv("PRECEDENT_FILE_SECONDS", "1")
    real = reader_module.prepare

    def slow(doc, chunks=None, notes=None):
        if doc.source.endswith("b-slow.txt"):
            time.sleep(60)
        return real(doc, chunks, notes)

    monkeypatch.setattr(reader_module, "prepare", slow)
    d = _folder(tmp_path, ["a.txt", "b-slow.txt", "c.txt"])
    report = ingest(library, [d], processes=1)
    assert _added(report) == ["a.txt", "c.txt"]
    assert "extracting" in _failed(report)["b-slow.txt"]


@pytest.mark.parametrize("extracting_before", [False, True])
def test_reader_that_dies_costs_its_file_only(library, tmp_path, monkeypatch, extracting_before):
    real = reader_module.readers.read_path
    if extracting_before:  # the child dies reading b while still extracting a: a is not blamed
        real_prepare = reader_module.prepare

        def slow_prepare(doc, chunks=None, notes=None):
            if doc.source.endswith("a.txt"):
                time.sleep(1.0)
            return real_prepare(doc, chunks, notes)

        monkeypatch.setattr(reader_module, "prepare", slow_prepare)

    def dying(path, limits=None):
        if path.name == "b-dies.txt":
            os._exit(9)
        return real(path, limits)

    monkeypatch.setattr(reader_module.readers, "read_path", dying)
    d = _folder(tmp_path, ["a.txt", "b-dies.txt", "c.txt"])
    report = ingest(library, [d], processes=1)
    assert _added(report) == ["a.txt", "c.txt"]
    assert list(_failed(report)) == ["b-dies.txt"] and "exit code 9" in _failed(report)["b-dies.txt"]


@pytest.mark.parametrize("processes", [0, 1])
def test_text_and_passage_limits_from_the_settings(library, tmp_path, monkeypatch, processes):
    monkeypatch.setenv("PRECEDENT_MAX_TEXT_CHARS", "20000")
    monkeypatch.setenv("PRECEDENT_MAX_PASSAGES", "3")
    d = tmp_path / "in"
    d.mkdir()
    paras = [f"Paragraph {i}. " + " ".join(f"word{i}x{j}" for j in range(120)) for i in range(400)]
    (d / "long.txt").write_text("\n\n".join(paras))
    report = ingest(library, [d], processes=processes)
    assert len(report.added) == 1 and report.passages == 3
    text = library.store.conn.execute("SELECT text FROM documents").fetchone()[0]
    assert len(text) < 20000 and "word0x0" in text
    notes = " ".join(w["warning"] for w in report.warnings)
    assert "truncated" in notes and "passages cut" in notes


def test_rows_that_are_not_records_are_reported_by_ingest(library, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "responses.csv").write_text(
        "parent_id,parent_url,response_url,respondent,response\n"
        "2024-0001,,,NHS England,Thank you for your report. We have changed the guidance.\n"
        "2024-0002,,,dGhpcyBpcyBub3QgYSByZXNwb25kZW50IDEyMw==,aGVsbG8gd29ybGQgMTIzNDU2Nzg5MA==\n")
    report = ingest(library, [d], processes=0)
    assert len(report.added) == 1
    assert [f["path"].rsplit("/", 1)[-1] for f in report.failed] == ["responses.csv#row=2"]


def test_one_word_file_and_all_garbage_csv_are_reported_once(library, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "token.txt").write_text("Q" * (2 << 20))
    (d / "garbage.csv").write_text(
        "parent_id,parent_url,response_url,respondent,response\n"
        "2024-0002,,,dGhpcyBpcyBub3QgYSByZXNwb25kZW50IDEyMw==,aGVsbG8gd29ybGQgMTIzNDU2Nzg5MA==\n")
    (d / "good.txt").write_text(GOOD.format("One good file."))
    report = ingest(library, [d], processes=0)
    assert _added(report) == ["good.txt"]
    failed = [(f["path"].rsplit("/", 1)[-1], f["reason"]) for f in report.failed]
    assert [name for name, _ in failed] == ["garbage.csv#row=1", "garbage.csv", "token.txt"]
    assert "longer than 500 characters dropped" in failed[2][1]


def test_file_limit_settings_from_the_environment():
    from index.settings import ENV, Settings

    s = Settings.from_env({})
    assert (s.max_file_mb, s.max_text_chars, s.max_passages, s.file_seconds) == (200, 1_000_000, 2000, 120)
    s = Settings.from_env({ENV["max_file_mb"]: "1.5", ENV["max_text_chars"]: "1000", ENV["max_passages"]: "7",
                           ENV["file_seconds"]: "0.5"})
    lim = s.limits()
    assert (lim.max_file_mb, lim.max_text_chars, lim.max_passages, lim.file_seconds) == (1.5, 1000, 7, 0.5)
    for key, bad in (("max_text_chars", "lots"), ("max_passages", "2.5"), ("file_seconds", "-1")):
        with pytest.raises(ValueError, match=ENV[key]):
            Settings.from_env({ENV[key]: bad})
