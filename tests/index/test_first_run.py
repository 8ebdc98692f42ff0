"""The first run: serve at once and ingest behind, vector indexes that follow the store,
the encoder a library records, boilerplate kept out of meaning search, the reader process."""
from __future__ import annotations

import json
import time

import numpy as np

import pytest

from index import library as library_mod
from index.ingest.boilerplate import BoilerplateDetector
from index.encoders.embed import HashingEmbedder
from index.ingest.pipeline import ingest
from index.ingest.worker import IngestWorker
from index.library import LibraryError, open_library
from webui import create_app

SHARED = ("The coroner has a duty to make a report under paragraph seven of schedule five of the act "
          "where the evidence reveals that circumstances creating a risk of other deaths will occur "
          "or will continue to exist in the future and in the opinion of the coroner action should be taken.")
TOPICS = ["ligature points on the ward", "ambulance handover delays", "bunk bed safety at the hostel",
          "insulin dosing at the care home", "railway crossing warning lights", "cladding on the tower block"]


LONG_SHARED = " ".join([SHARED] * 4)  # ~200 words: a passage of its own


def write_reports(folder, n, start=0):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        topic = TOPICS[i % len(TOPICS)]
        own = " ".join(f"At site {i} the staff did not check the {topic} on day {d} and nobody recorded "
                       f"case {i * 7919 + d}." for d in range(10))
        (folder / f"report{i:03d}.txt").write_text(
            f"Report number {i} about {topic}.\n\n{own}\n\n{LONG_SHARED}\n\n"
            f"Concern: staff at site {i} did not check the {topic} and nobody recorded case {i * 7919}.\n",
            encoding="utf-8")
    return folder


class EncoderEmbedder(HashingEmbedder):
    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder


def test_library_records_its_encoder_and_refuses_another(tmp_path):
    path = tmp_path / "lib"
    lib = open_library(path, embedder=EncoderEmbedder("onnx-int8"))
    assert json.loads((path / "library.json").read_text())["encoder"] == "onnx-int8"
    lib.close()
    with pytest.raises(LibraryError, match="encoder"):
        open_library(path, embedder=EncoderEmbedder("torch-fp32"))
    again = open_library(path, embedder=EncoderEmbedder("onnx-int8"))
    assert again.encoder == "onnx-int8"
    again.close()


def test_a_library_from_another_build_of_its_encoder_is_opened_with_a_warning(tmp_path, caplog):
    old = EncoderEmbedder("onnx-int8")
    old.build = "export-v2"
    path = tmp_path / "lib"
    open_library(path, embedder=old).close()
    assert json.loads((path / "library.json").read_text())["encoder_build"] == "export-v2"
    lib = open_library(path, create=False)
    new = EncoderEmbedder("onnx-int8")
    new.build = "export-v3"
    with caplog.at_level("WARNING", logger="index.library"):
        library_mod.warn_on_other_build(lib.path, lib.meta, new)
    assert "export-v2" in caplog.text and "export-v3" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="index.library"):
        library_mod.warn_on_other_build(lib.path, lib.meta, old)
    assert caplog.text == ""
    lib.close()


def test_old_library_without_encoder_is_read_as_torch(tmp_path):
    path = tmp_path / "lib"
    open_library(path, model="fake-hashing-384").close()
    meta = json.loads((path / "library.json").read_text())
    assert meta["encoder"] == "hashing"
    meta.pop("encoder")
    meta["model"] = "all-MiniLM-L6-v2"
    (path / "library.json").write_text(json.dumps(meta))
    assert library_mod.library_encoder(meta) == "torch-fp32"


def test_boilerplate_detector_flags_only_what_many_documents_repeat():
    det = BoilerplateDetector(min_documents=5)
    flags = [det.observe([SHARED + f" case {i}", f"unique words about {TOPICS[i % 6]} number {i} here today"])
             for i in range(12)]
    assert flags[0] == [False, False] and flags[4] == [False, False]  # not yet seen in 5 documents
    assert all(f[0] for f in flags[5:]) and not any(f[1] for f in flags)


def test_boilerplate_is_kept_for_keyword_search_but_not_embedded(library, tmp_path, monkeypatch):
    monkeypatch.setattr("index.ingest.boilerplate.MIN_DOCUMENTS", 5)
    monkeypatch.setattr(BoilerplateDetector.__init__, "__defaults__", (5, 0.85))
    folder = write_reports(tmp_path / "many", 12)
    report = ingest(library, [folder]).summary()
    assert report["added"] == 12 and report["boilerplate_passages_not_embedded"] >= 5
    stored = library.store.count("passages")
    assert library.passages.ntotal == stored - report["boilerplate_passages_not_embedded"]
    docs = library.store.conn.execute(  # every copy is still findable by its words
        "SELECT COUNT(DISTINCT p.document_id) FROM passages_fts f JOIN passages p ON p.id = f.rowid"
        " WHERE passages_fts MATCH 'schedule AND paragraph AND seven'").fetchone()[0]
    assert docs == 12
    app = create_app({"TESTING": True, "LIBRARY": library})
    hits = app.test_client().get("/search.json?q=schedule+five+paragraph+seven&mode=keyword&k=50").get_json()
    assert hits["results"]


def test_reader_process_gives_the_same_library(tmp_path):
    folder = write_reports(tmp_path / "docs", 8)
    (folder / "zz-broken.pdf").write_bytes(b"<html><title>Not found</title></html>")  # counted, then failed
    libs = []
    for processes in (0, 1):
        lib = open_library(tmp_path / f"lib{processes}", model="fake-hashing-384")
        counted = []
        r = ingest(lib, [folder], processes=processes,
                   progress=lambda e, **kw: counted.append(kw["passages"]) if e == "counted" else None).summary()
        assert r["added"] == 8 and r["failed_count"] == 1
        assert len(counted) == 9 and sum(counted) == r["passages"]  # totals known ahead of the encoder
        libs.append(lib)
    q = "SELECT d.title, p.text FROM passages p JOIN documents d ON d.id = p.document_id ORDER BY d.title, p.seq"
    a, b = (list(map(tuple, lib.store.conn.execute(q))) for lib in libs)
    assert a == b and len(a) >= 16
    assert libs[0].passages.ntotal == libs[1].passages.ntotal


def dense_titles(client, q):
    data = client.get(f"/search.json?q={q}&mode=dense&k=20").get_json()
    return {r["document"]["title"] for r in data["results"]}


def test_running_server_finds_a_document_committed_later_by_another_writer(tmp_path, monkeypatch):
    monkeypatch.setattr(library_mod, "REFRESH_SECONDS", 0.0)
    path = tmp_path / "lib"
    server_lib = open_library(path, model="fake-hashing-384")
    ingest(server_lib, [write_reports(tmp_path / "first", 3)])
    client = create_app({"TESTING": True, "LIBRARY": server_lib}).test_client()
    assert client.get("/search.json?q=zeppelin+mooring+mast&mode=dense").status_code == 200
    before = server_lib._passages.ntotal

    other = open_library(path)  # as a CLI ingest in another process would
    late = tmp_path / "late"
    late.mkdir()
    (late / "zeppelin.txt").write_text("Zeppelin mooring mast inspection.\n\nConcern: the zeppelin mooring mast "
                                       "was never inspected after the storm.\n", encoding="utf-8")
    ingest(other, [late])
    other.close()

    titles = dense_titles(client, "zeppelin+mooring+mast+inspection")
    assert any("Zeppelin" in t for t in titles)
    assert server_lib._passages.ntotal > before


def test_background_ingest_reports_progress_and_search_answers(tmp_path, monkeypatch):
    monkeypatch.setattr(library_mod, "REFRESH_SECONDS", 0.0)
    lib = open_library(tmp_path / "lib", model="fake-hashing-384")
    folder = write_reports(tmp_path / "docs", 20)
    built = []
    worker = IngestWorker(lib, [folder], after=[lambda lib: built.append(lib.store.count("documents"))])
    client = create_app({"TESTING": True, "LIBRARY": lib, "INGEST_WORKER": worker}).test_client()
    worker.start()
    worker.join(60)
    st = client.get("/status.json").get_json()
    ing = st["ingest"]
    for key in ("running", "documents_done", "documents_total", "passages_embedded", "passages_total", "eta_s"):
        assert key in ing
    assert ing["running"] is False and ing["documents_done"] == ing["documents_total"] == 20
    assert ing["passages_total"] == lib.store.count("passages") and built == [20]
    assert st["library"]["passages_in_meaning_search"] == lib._passages.ntotal > 0
    assert "ligature" in " ".join(dense_titles(client, "ligature+points+ward"))
    assert client.get("/status").status_code == 200


class RunningWorker:
    def status(self):
        return {"running": True, "documents_done": 40, "documents_total": 100, "passages_embedded": 80,
                "passages_total": 200, "eta_s": 125}


def test_every_page_shows_the_banner_while_ingesting(filled_library):
    client = create_app({"TESTING": True, "LIBRARY": filled_library, "INGEST_WORKER": RunningWorker()}).test_client()
    for url in ("/", "/documents", "/search?q=marac"):
        html = client.get(url).get_data(as_text=True)
        assert "meaning search covers 40% of passages so far" in html and "about 3 min left" in html, url
    st = client.get("/status.json").get_json()["ingest"]
    assert st["meaning_search_share"] == 0.4
    quiet = create_app({"TESTING": True, "LIBRARY": filled_library}).test_client()
    assert "ingest-banner" not in quiet.get("/").get_data(as_text=True)


def test_worker_eta_while_running():
    w = IngestWorker.__new__(IngestWorker)
    IngestWorker.__init__(w, lib=None, paths=[])
    now = [0.0]
    w.clock = lambda: now[0]
    w._s.update(running=True, started=time.time() - 10)
    w._progress("files", total=2)
    w._progress("counted", documents=10, passages=100)
    w._progress("committed", documents=1, passages=5, embedded=5, texts=5)
    now[0] = 7.5
    w._progress("committed", documents=2, passages=20, embedded=18, texts=20)
    s = w.status()
    assert s["documents_total"] == 10 and s["passages_total"] == 100
    assert s["eta_s"] is None and s["counting"]  # one file still to be read: no guess yet
    w._progress("counted", documents=1, passages=12)
    w._progress("document", present=True, passages=12)  # a duplicate: not counted
    s = w.status()
    assert s["documents_total"] == 10 and s["passages_total"] == 100 and not s["counting"]
    assert s["eta_s"] is None  # every file read: the estimate starts again from the next commits
    now[0] = 10.0
    w._progress("committed", documents=3, passages=25, embedded=23, texts=25)
    now[0] = 12.5
    w._progress("committed", documents=4, passages=30, embedded=28, texts=30)
    assert 30 <= w.status()["eta_s"] <= 40  # 70 passages left at ~2 per second


@pytest.mark.slow
def test_onnx_int8_matches_torch_fp32_and_a_new_library_records_it(tmp_path, monkeypatch):
    from index.encoders.embed import SentenceTransformerEmbedder, get_embedder
    from index.encoders.onnx_int8 import OnnxEmbedder

    texts = ["Information shared at the MARAC meeting was not minuted.",
             "The risk assessment was not reviewed after the second incident and nobody noticed. " * 12,
             "Staff were not trained in the use of the ligature cutter on the ward.",
             "Delay in the ambulance response to a patient who had fallen at home.",
             "The GP was not told of the hospital discharge.", "CAMHS waiting list"]
    onnx = get_embedder("all-MiniLM-L6-v2", "onnx-int8", fallback=False)
    assert isinstance(onnx, OnnxEmbedder)
    a, b = onnx.encode(texts), SentenceTransformerEmbedder().encode(texts)
    cos = (a * b).sum(1)
    assert cos.min() > 0.97, cos
    # alone or among others: one run per text, so the same vector bit for bit
    assert np.array_equal(onnx.encode(texts[:1]), a[:1])
    monkeypatch.delenv("PRECEDENT_MODEL")
    monkeypatch.delenv("PRECEDENT_ENCODER", raising=False)
    lib = open_library(tmp_path / "lib")
    assert lib.encoder == "onnx-int8" and json.loads((tmp_path / "lib" / "library.json").read_text())["encoder"] == "onnx-int8"
    assert isinstance(lib.embedder, OnnxEmbedder)


def test_banner_while_files_are_still_being_counted(filled_library):
    class Counting(RunningWorker):
        def status(self):
            return {**super().status(), "counting": True, "eta_s": None}

    client = create_app({"TESTING": True, "LIBRARY": filled_library, "INGEST_WORKER": Counting()}).test_client()
    html = client.get("/").get_data(as_text=True)
    assert "of at least 100 documents" in html and "meaning search covers 80 passages so far" in html
    assert client.get("/status.json").get_json()["ingest"]["meaning_search_share"] is None


def test_an_ingest_never_mixes_vectors_from_two_builds_of_the_encoder(tmp_path, docs_dir):
    from index.ingest.pipeline import ingest

    old = EncoderEmbedder("onnx-int8")
    old.build = "export-v3"
    path = tmp_path / "lib"
    lib = open_library(path, embedder=old)
    ingest(lib, [docs_dir])
    n = lib.store.count("vectors")
    lib.close()
    new = EncoderEmbedder("onnx-int8")
    new.build = "export-v4"
    lib = open_library(path, embedder=new)
    more = tmp_path / "more"
    more.mkdir()
    (more / "new.txt").write_text("A new review found that the GP was never told of the MAPPA level 2 decision.")
    with pytest.raises(LibraryError, match="export-v3.*export-v4.*new library"):
        ingest(lib, [more])
    assert lib.store.count("vectors") == n  # nothing added
    lib.close()
    empty = open_library(tmp_path / "empty", embedder=old)
    empty.close()
    empty = open_library(tmp_path / "empty", embedder=new)
    ingest(empty, [more])  # an empty library takes the new build
    assert json.loads((tmp_path / "empty" / "library.json").read_text())["encoder_build"] == "export-v4"
    empty.close()
