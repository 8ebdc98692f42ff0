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


def _folder_with(tmp_path, texts):
    d = tmp_path / "in"
    d.mkdir()
    for name, text in texts.items():
        (d / name).write_text(text)
    return d


def test_a_small_file_is_read_under_the_time_limit_by_default(library, tmp_path, monkeypatch):
    """No ``processes`` given and a few hundred bytes of input: still a watched reader process,
    so a parser that hangs on one small file costs that file only."""
    monkeypatch.setenv("PRECEDENT_FILE_SECONDS", "1")
    monkeypatch.delenv("PRECEDENT_INGEST_PROCESSES", raising=False)
    real = reader_module.readers.read_path

    def hangs_on_some_content(path, limits=None):
        if "HANGS-THE-PARSER" in path.read_text():
            time.sleep(600)
        return real(path, limits)

    monkeypatch.setattr(reader_module.readers, "read_path", hangs_on_some_content)
    d = _folder_with(tmp_path, {"a.txt": GOOD.format("First."), "b.txt": GOOD.format("HANGS-THE-PARSER"),
                                "c.txt": GOOD.format("Third.")})
    assert sum(f.stat().st_size for f in d.iterdir()) < 1000
    t0 = time.perf_counter()
    report = ingest(library, [d])
    assert time.perf_counter() - t0 < 30
    assert _added(report) == ["a.txt", "c.txt"]
    assert list(_failed(report)) == ["b.txt"] and "PRECEDENT_FILE_SECONDS" in _failed(report)["b.txt"]


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="the memory cap reads /proc")
@pytest.mark.parametrize("where", ["reading", "extracting"])
def test_a_file_over_the_reader_memory_cap_is_reported_and_a_new_reader_goes_on(library, tmp_path, monkeypatch,
                                                                                where):
    monkeypatch.setenv("PRECEDENT_READER_MB", "300")
    monkeypatch.delenv("PRECEDENT_INGEST_PROCESSES", raising=False)
    hog = []

    def bloat(text):
        if "BLOATS-THE-PARSER" in text:
            hog.append(bytearray(2 << 30))  # 2 GB: more than the cap allows

    if where == "reading":
        real = reader_module.readers.read_path

        def greedy(path, limits=None):
            bloat(path.read_text())
            return real(path, limits)

        monkeypatch.setattr(reader_module.readers, "read_path", greedy)
    else:
        real_prepare = reader_module.prepare

        def greedy(doc, chunks=None, notes=None):
            bloat(doc.text)
            return real_prepare(doc, chunks, notes)

        monkeypatch.setattr(reader_module, "prepare", greedy)
    d = _folder_with(tmp_path, {"a.txt": GOOD.format("First."), "b.txt": GOOD.format("BLOATS-THE-PARSER"),
                                "c.txt": GOOD.format("Third."), "d.txt": GOOD.format("Fourth.")})
    report = ingest(library, [d])
    assert _added(report) == ["a.txt", "c.txt", "d.txt"]
    assert list(_failed(report)) == ["b.txt"]
    reason = _failed(report)["b.txt"]
    assert "memory" in reason and "PRECEDENT_READER_MB" in reason and "300 MB" in reason, reason


def test_the_memory_cap_is_relative_to_the_process_and_holds(tmp_path):
    """``cap_memory`` in a child: a small allocation still works, a large one is refused."""
    import multiprocessing as mp

    def child(q):
        reader_module.cap_memory(100)
        small = bytearray(20 << 20)
        try:
            bytearray(400 << 20)
            q.put(("allowed", len(small)))
        except MemoryError:
            q.put(("refused", len(small)))

    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=child, args=(q,))
    p.start()
    got = q.get(timeout=30)
    p.join(10)
    assert got == ("refused", 20 << 20)


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
    assert (s.max_file_mb, s.max_text_chars, s.max_passages, s.file_seconds, s.reader_mb) == (
        200, 1_000_000, 2000, 120, 1024)
    s = Settings.from_env({ENV["max_file_mb"]: "1.5", ENV["max_text_chars"]: "1000", ENV["max_passages"]: "7",
                           ENV["file_seconds"]: "0.5", ENV["reader_mb"]: "512"})
    lim = s.limits()
    assert (lim.max_file_mb, lim.max_text_chars, lim.max_passages, lim.file_seconds, lim.reader_mb) == (
        1.5, 1000, 7, 0.5, 512)
    for key, bad in (("max_text_chars", "lots"), ("max_passages", "2.5"), ("file_seconds", "-1"), ("reader_mb", "0")):
        with pytest.raises(ValueError, match=ENV[key]):
            Settings.from_env({ENV[key]: bad})


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="follows the processes in /proc")
def test_the_reader_dies_with_an_ingest_killed_by_sigkill(tmp_path):
    """Issue 28, finding 3: after kill -9 of the ingest, its reader process must not stay alive
    holding the library's files (it waits on a file that never ends here)."""
    import signal
    import subprocess
    import sys

    from benchmarks.common import process_gone

    (tmp_path / "a.txt").write_text(GOOD.format("waits"))
    script = (
        "import sys, time\n"
        "import index.ingest.reader as r\n"
        "r.readers.read_path = lambda path, limits=None: time.sleep(600)\n"
        f"rp = r.ReaderProcess([__import__('pathlib').Path({str(tmp_path / 'a.txt')!r})], None, set())\n"
        "print(rp.proc.pid, flush=True)\n"
        "time.sleep(600)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    try:
        child = int(parent.stdout.readline())
        time.sleep(0.5)
        assert not process_gone(child)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not process_gone(child):
            time.sleep(0.1)
        assert process_gone(child), "the reader outlived its killed parent"
    finally:
        if parent.poll() is None:
            parent.kill()
