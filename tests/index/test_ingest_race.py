"""Two ingests of the same file at once (issue 28), in two processes as two ``precedent ingest``
runs would be: both read it before either commits; the second finds it committed under the
write lock and reports it as already present, never an ``IntegrityError``."""
from __future__ import annotations

import multiprocessing

from index.library import open_library


def _ingest(path, file, barrier, results) -> None:
    from index.ingest.pipeline import ingest

    def progress(event, **kw):
        if event == "document" and not kw.get("present"):
            barrier.wait()  # neither commits before the other has checked and queued the document

    lib = open_library(path)
    try:
        s = ingest(lib, [file], progress=progress, processes=0).summary()
        results.put((s["added"], s["already_present"]))
    except Exception as e:  # noqa: BLE001 - the test reports whatever escaped
        barrier.abort()
        results.put(repr(e))
    finally:
        lib.close()


def test_two_ingests_of_the_same_file_at_once(tmp_path, docs_dir):
    path = tmp_path / "lib"
    open_library(path, model="fake-hashing-384").close()
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(2, timeout=60), ctx.Queue()
    procs = [ctx.Process(target=_ingest, args=(path, docs_dir / "letter.txt", barrier, results)) for _ in range(2)]
    for p in procs:
        p.start()
    got = sorted(str(results.get(timeout=120)) for _ in procs)
    for p in procs:
        p.join(60)
    assert got == ["(0, 1)", "(1, 0)"], got
    lib = open_library(path)
    try:
        assert lib.store.count("documents") == 1
    finally:
        lib.close()
