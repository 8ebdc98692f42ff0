"""Status that tells the truth: the steps after the last document named with their progress,
/status.json answering while they run, failed files listed by name with their reasons, and a
time-left estimate that is not thrown off by a slow start."""
from __future__ import annotations

import random
import threading

from index import library as library_mod
from index.ingest import EtaEstimator, IngestWorker, finish
from index.library import open_library
from precedent import cli
from webui import create_app

from tests.index.test_first_run import write_reports


def timeline(total=50_000, warm_share=0.04, slow=3.0, rate=20.0, seed=1):
    """(t, passages) at each commit: batches doubling from 32 to 1024 passages; the first
    ``warm_share`` of the work ``slow`` times slower (model warm-up, small batches, PDFs
    read one by one), the rest at ``rate`` passages a second, each batch ±25%."""
    rnd = random.Random(seed)
    t, p, size, out = 0.0, 0, 32, [(0.0, 0)]
    while p < total:
        n = min(size, total - p)
        speed = rate / (slow if p < warm_share * total else 1.0)
        t += n / speed * rnd.uniform(0.75, 1.25)
        p += n
        out.append((t, p))
        size = min(size * 2, 1024)
    return out


def test_eta_is_within_30_percent_after_the_first_tenth_of_the_work():
    for seed in range(5):
        line = timeline(seed=seed)
        t_end, total = line[-1]
        est = EtaEstimator()
        worst = 0.0
        for t, p in line:
            est.commit(t, p)
            if p >= total / 10 and p < total:
                truth = t_end - t
                worst = max(worst, abs(est.eta(t, total) - truth) / truth)
        assert worst <= 0.30, (seed, worst)
    # the average since the first commit (the old method) is far off at a tenth of the work
    line = timeline()
    t_end, total = line[-1]
    t, p = next((t, p) for t, p in line if p >= total / 10)
    old = (total - p) / ((p - line[1][1]) / (t - line[1][0]))
    assert old > 1.3 * (t_end - t)


def test_eta_counts_the_batch_in_flight_and_waits_for_two_commits():
    est = EtaEstimator()
    assert est.eta(0.0, 100) is None
    est.commit(0.0, 10)
    assert est.eta(5.0, 100) is None
    est.commit(10.0, 30)  # 2 passages a second: 70 left, 35 s
    assert est.eta(10.0, 100) == 35
    assert est.eta(20.0, 100) == 25  # ten seconds into the next batch
    assert est.eta(100.0, 100) == 1  # overdue: never "0 min" while work is left
    assert est.eta(10.0, 30) == 0


def test_status_names_the_steps_after_the_last_document_and_answers_while_they_run(tmp_path, monkeypatch):
    monkeypatch.setattr(library_mod, "REFRESH_SECONDS", 0.0)
    lib = open_library(tmp_path / "lib", model="fake-hashing-384")
    folder = write_reports(tmp_path / "docs", 6)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 cut short")
    in_themes, release = threading.Event(), threading.Event()
    real = finish.RUNNERS["themes"]

    def slow_themes(lib, ids):  # stands for a long theme build
        in_themes.set()
        assert release.wait(30)
        return real(lib, ids)

    monkeypatch.setitem(finish.RUNNERS, "themes", slow_themes)
    worker = IngestWorker(lib, [folder])
    client = create_app({"TESTING": True, "LIBRARY": lib, "INGEST_WORKER": worker}).test_client()
    worker.start()
    try:
        assert in_themes.wait(30)
        st = client.get("/status.json").get_json()["ingest"]  # answers while the step runs
        assert st["running"] and st["phase"] == "steps" and st["documents_done"] == 6
        steps = {s["name"]: s for s in st["steps"]}
        assert steps["link"]["state"] == "done" and steps["link"]["documents"] == 6
        assert st["step"]["name"] == "themes" and steps["themes"]["state"] == "running"
        assert st["step"]["label"] == "keeping themes current" and st["step"]["seconds"] is not None
        html = client.get("/").get_data(as_text=True)
        assert "All 6 documents committed; now keeping themes current for 6 documents" in html
        assert "keeping themes current" in client.get("/status").get_data(as_text=True)
    finally:
        release.set()
        worker.join(60)
    st = client.get("/status.json").get_json()["ingest"]
    assert not st["running"] and st["phase"] == "finished"
    assert {s["name"]: s["state"] for s in st["steps"]} == {"link": "done", "themes": "done"}
    assert next(s for s in st["steps"] if s["name"] == "link")["detail"] == "0 linked, 0 unlinked of 6 checked"
    assert [f["file"] for f in st["failed"]] == ["broken.pdf"] and st["failed"][0]["reason"]
    page = client.get("/status").get_data(as_text=True)
    assert "broken.pdf" in page and st["failed"][0]["reason"] in page and str(tmp_path) not in page


def test_a_step_that_fails_is_shown_failed_with_why(tmp_path, monkeypatch):
    lib = open_library(tmp_path / "lib", model="fake-hashing-384")

    def broken(lib, ids):
        raise RuntimeError("theme store unreachable")

    monkeypatch.setitem(finish.RUNNERS, "themes", broken)
    worker = IngestWorker(lib, [write_reports(tmp_path / "docs", 3)]).start()
    worker.join(60)
    step = next(s for s in worker.status()["steps"] if s["name"] == "themes")
    assert step["state"] == "failed" and "theme store unreachable" in step["detail"]


def test_cli_ingest_names_the_steps_and_the_failed_files(tmp_path, runner):
    folder = write_reports(tmp_path / "docs", 3)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 cut short")
    r = runner.invoke(cli, ["ingest", str(folder), "--library", str(tmp_path / "lib")])
    assert r.exit_code == 1
    assert "linking responses to reports: 3 documents" in r.output
    assert "keeping themes current: done in" in r.output
    assert "failed: " in r.output and "broken.pdf: " in r.output


def _blobs(n=240, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((6, 32))
    return (centres[rng.integers(0, 6, n)] + 0.3 * rng.standard_normal((n, 32))).astype(np.float32)


def test_large_clustering_runs_in_a_child_process_with_the_same_result(monkeypatch):
    """Average linkage holds the GIL (scipy's merge loop): in the server's process it stopped
    /status.json for seconds (python -m benchmarks.status_latency: 7 s vs 0.5 s at 8,000 findings)."""
    import concurrent.futures as cf

    import numpy as np

    from index.themes import cluster as core

    x = _blobs()
    started = []
    real_pool = cf.ProcessPoolExecutor

    def pool(*a, **k):
        started.append(k.get("mp_context").get_start_method())
        return real_pool(*a, **k)

    monkeypatch.setattr(cf, "ProcessPoolExecutor", pool)
    monkeypatch.setattr(core, "OFFLOAD_ROWS", 100)
    here = core.cluster_here(x, 0.5, max_size=80)
    assert np.array_equal(core.cluster(x, 0.5, max_size=80), here) and started == ["spawn"]
    assert len(set(here)) >= 4
    core.cluster(x[:50], 0.5)  # small: no process
    assert started == ["spawn"]


def test_clustering_stays_in_process_with_a_warning_when_no_child_can_start(monkeypatch, caplog):
    import concurrent.futures as cf

    import numpy as np

    from index.themes import cluster as core

    def no_pool(*a, **k):
        raise OSError("no more processes")

    monkeypatch.setattr(cf, "ProcessPoolExecutor", no_pool)
    monkeypatch.setattr(core, "OFFLOAD_ROWS", 100)
    x = _blobs()
    assert np.array_equal(core.cluster(x, 0.5), core.cluster_here(x, 0.5))
    assert "no more processes" in caplog.text


def test_eta_forgets_the_reader_bound_start_once_every_file_is_read():
    """The shared corpus: PDFs (read slowly) for a tenth of the passages, then CSV rows ten
    times faster; the worker restarts the estimate when the reader has read every file."""
    est = EtaEstimator()
    t, p = 0.0, 0
    for _ in range(10):  # 1,000 passages at 10 a second
        t, p = t + 10, p + 100
        est.commit(t, p)
    assert est.eta(t, 10_000) > 500  # what the recent half alone says: 900 s for 90 s of work
    est.restart(t)
    for _ in range(3):  # the CSV rows: 100 a second
        t, p = t + 5, p + 500
        est.commit(t, p)
    assert abs(est.eta(t, 10_000) - (10_000 - p) / 100) <= 1


def test_worker_restarts_its_estimate_when_every_file_is_counted():
    w = IngestWorker(lib=None, paths=[])
    now = [0.0]
    w.clock = lambda: now[0]
    w._progress("files", total=2)
    w._progress("counted", documents=5, passages=50)
    w._s["running"] = True
    for k in range(1, 5):  # slow: 1 passage a second
        now[0] = 10.0 * k
        w._progress("committed", documents=k, passages=10 * k, embedded=10 * k, texts=10 * k)
    w._progress("counted", documents=100, passages=1050)  # the last file read
    for k in range(1, 4):  # fast: 10 passages a second
        now[0] = 40.0 + k
        w._progress("committed", documents=4 + k, passages=40 + 10 * k, embedded=0, texts=0)
    assert w.status()["eta_s"] == 103  # 1,030 passages left at 10 a second (not 1,030 s)


def test_eta_adds_the_steps_after_the_last_document_at_the_runs_own_rate():
    """The estimator with a fake clock: steps' work (passage-equivalents) converts at the measured
    rate, a running step counts down from its estimate, a finished one costs nothing."""
    from index.ingest.eta import MIN_STEP_LEFT, StepWork, finishing_work

    est = EtaEstimator()
    est.commit(0.0, 0)
    est.commit(10.0, 100)  # 10 passages a second
    steps = [StepWork("link", 50.0), StepWork("themes", 200.0)]
    assert est.eta(10.0, 300, steps) == 20 + 5 + 20
    est.commit(30.0, 300)  # every document in
    assert est.eta(30.0, 300, steps) == 25
    steps[0].started = 30.0
    assert est.eta(33.0, 300, steps) == 2 + 20  # linking 3 s into its 5
    assert est.eta(60.0, 300, steps) == MIN_STEP_LEFT + 20  # overdue: still a little, never zero
    steps[0].done, steps[1].started = True, 40.0
    assert est.eta(45.0, 300, steps) == 15
    steps[1].done = True
    assert est.eta(50.0, 300, steps) == 0
    # the work: linking grows with letters x library, themes with findings (built) or new ones (assigned)
    none = finishing_work(0, 1000, 0, 0, rebuild=True)
    assert [s.units for s in none] == [0.0, 0.0]
    small, large = finishing_work(10, 100, 500, 500, True), finishing_work(10, 1000, 5000, 500, True)
    assert small[0].units < large[0].units and small[1].units < large[1].units
    assert finishing_work(10, 1000, 5000, 500, False)[1].units < large[1].units / 10


def test_worker_eta_counts_letters_and_findings_for_the_steps_and_counts_them_down():
    from index.ingest.eta import finishing_work

    w = IngestWorker(lib=None, paths=[])
    now = [0.0]
    w.clock = lambda: now[0]
    w._s["running"] = True
    w._progress("files", total=1)
    w._progress("counted", documents=20, passages=200)
    for k in range(1, 3):
        for _ in range(5):
            w._progress("document", type="pfd_response" if k == 1 else "pfd_report")
        now[0] = 10.0 * k
        w._progress("committed", documents=5 * k, passages=50 * k, embedded=50 * k, texts=50 * k, findings=20 * k)
    # 10 of 20 documents in, 5 of them letters: 10 letters and 80 findings expected in all
    plan = finishing_work(10, 20, 80, 80, rebuild=True)
    rate = 5.0  # passages a second over the recent half
    want = 100 / rate + sum(s.units for s in plan) / rate
    assert abs(w.status()["eta_s"] - want) <= 1
    for k in range(3, 5):
        now[0] = 10.0 * k
        w._progress("committed", documents=5 * k, passages=50 * k, embedded=50 * k, texts=50 * k, findings=20 * k)
    w._progress("step", name="link", state="running", documents=20)
    now[0] = 45.0
    plan = finishing_work(5, 20, 80, 80, rebuild=True)  # the last ten were reports: five letters in all
    left = w.status()
    assert left["phase"] == "steps"
    assert abs(left["eta_s"] - (max(plan[0].units / rate - 5, 1) + plan[1].units / rate)) <= 1
    w._progress("step", name="link", state="done", documents=20, seconds=5.0)
    w._progress("step", name="themes", state="done", documents=20, seconds=5.0)
    assert w.status()["eta_s"] == 0
