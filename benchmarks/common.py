"""What the benchmark scripts share: where the data is, the letter library most of the
understanding scripts build, the metrics several of them score with, and process measurements.

Paths: ``ROOT`` (the repository), ``GOLD`` (benchmarks/gold, hand labels), and the shared data in
its two meanings: ``shared_root`` (the folder holding ``corpus/`` and ``eval/``) and ``corpus_dir``
(the ``corpus/`` folder itself, holding ``pfd/``, ``pdf/`` and ``seeds/``). Both read ``--shared``,
else ``$PRECEDENT_SHARED``, else ``../shared`` beside the repository.

Importing this module lifts csv's field size limit: the corpus's cells run to megabytes.
"""
from __future__ import annotations

import csv
import json
import os
import random
import re
import resource
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "benchmarks" / "gold"

csv.field_size_limit(1 << 30)


# ------------------------------------------------------------------ paths


def _shared_arg(arg: str | None) -> Path:
    return Path(arg or os.environ.get("PRECEDENT_SHARED") or ROOT.parent / "shared")


def shared_root(arg: str | None = None) -> Path:
    """The shared folder (holding ``corpus/`` and ``eval/``): ``arg``, else ``$PRECEDENT_SHARED``,
    else ``../shared`` beside the repository. Exits with a message when it holds no ``corpus/``."""
    p = _shared_arg(arg)
    if not (p / "corpus").is_dir():
        sys.exit(f"shared corpus not found at {p} (use --shared or PRECEDENT_SHARED)")
    return p


def corpus_dir(arg: str | None = None) -> Path:
    """The shared corpus folder (holding ``pfd/``, ``pdf/`` and ``seeds/``): ``arg`` given as the
    shared folder or as the corpus itself, else ``$PRECEDENT_SHARED``, else ``../shared/corpus``."""
    p = _shared_arg(arg)
    return p / "corpus" if (p / "corpus").is_dir() else p


def csv_rows(path: Path) -> tuple[list[str], list[dict]]:
    """(header, rows) of a CSV file."""
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.DictReader(f)
        return list(r.fieldnames or []), list(r)


# ------------------------------------------------------------------ metrics


def first_words_match(gold: str, text: str, n: int = 5) -> bool:
    """Whether ``text`` holds the first ``n`` words of ``gold`` in a row (lower case, letters and
    digits only): how an extracted concern, finding or action is matched to a hand label."""
    g = re.findall(r"[a-z0-9]+", gold.lower())[:n]
    t = re.findall(r"[a-z0-9]+", text.lower())
    return bool(g) and any(t[i:i + len(g)] == g for i in range(len(t) - len(g) + 1))


def count_report(got: dict, save: str | None, compare: str | None, noun: str) -> dict:
    """The regression check shared by concerns_eval and inspections_eval: ``got`` is {key: [count,
    first-words, debris, over 1,500 chars]} (a negative count: the file was refused); saved to
    ``save``, compared with an earlier save ``compare`` (which keys' counts changed), or totalled."""
    def total(vals, i):
        return sum(max(0, v[i]) for v in vals if len(v) > i)

    if save:
        Path(save).write_text(json.dumps(got, ensure_ascii=False))
    if compare:
        old = json.loads(Path(compare).read_text())
        changed = {k: (old[k][0], v[0]) for k, v in got.items() if k in old and old[k][0] != v[0]}
        return {"reports": len(got), "changed": len(changed), "changes": changed,
                f"{noun}_before_after": [total(old.values(), 0), total(got.values(), 0)],
                "debris_before_after": [total(old.values(), 2), total(got.values(), 2)],
                "over_1500_before_after": [total(old.values(), 3), total(got.values(), 3)]}
    return {"reports": len(got), noun: total(got.values(), 0), "errors": sum(1 for v in got.values() if v[0] < 0),
            "debris": total(got.values(), 2), "over_1500": total(got.values(), 3)}


def documents_by_key(lib) -> dict[str, int]:
    """{judged key (a report's URL, reference or source): document id} of a library, the inverse of
    ``search.evaluate``'s document keys: how a labelled report is found among the documents."""
    from search import evaluate as ev

    keys = {}
    for doc_id, ks in ev.document_keys(lib).items():
        for k in ks:
            keys[k] = doc_id
    return keys


# ------------------------------------------------------------------ the letter library

# The 23 shared letters' parent reports split once, by random.Random(10).sample, into a development half
# (rules were looked at and adjusted on these) and a held-out half: understanding_eval reports the two
# apart; linking_robustness uses only the development half with --old-dev (the retired split).
HELD_OUT = set(random.Random(10).sample(sorted({
    "2024-0620", "2024-0624", "2024-0619", "2024-0614", "2024-0604", "2024-0617", "2024-0600", "2024-0609",
    "2024-0599", "2024-0603", "2024-0597", "2024-0594", "2025-0264"}), 6))


def add_distractors(corpus: Path, n_ofsted: int, seed: int, into: Path) -> None:
    """Documents that are not one of the 23 letters, ingested beside them: the seeds (000 and 001 are
    real responses without gold here, 002-004 are not responses), ``n_ofsted`` Ofsted inspection PDFs
    and the PFD report PDFs. A link from a non-response is a false link."""
    import shutil

    d = into / "distractors"
    d.mkdir()
    for f in sorted((corpus / "seeds").glob("*.txt")):
        shutil.copy(f, d / f"seed-{f.name}")
    ofsted = sorted((corpus / "pdf" / "ofsted").glob("*.pdf"))
    for f in random.Random(seed).sample(ofsted, min(n_ofsted, len(ofsted))):
        shutil.copy(f, d / f"ofsted-{f.name}")
    for f in sorted((corpus / "pdf" / "pfd").glob("*.pdf")):
        shutil.copy(f, d / f"pfdpdf-{f.name}")


def add_negatives(corpus: Path, n: int, seed: int, into: Path) -> None:
    """Training negatives for the link model (``--fit``): ``n`` Ofsted inspection PDFs, none of
    them among the first 20 ``--distractors`` would pick, so the distractor check stays out of sample."""
    import shutil

    d = into / "negatives"
    d.mkdir()
    ofsted = sorted((corpus / "pdf" / "ofsted").glob("*.pdf"))
    kept_for_eval = set(random.Random(seed).sample(ofsted, min(20, len(ofsted))))
    pool = [f for f in ofsted if f not in kept_for_eval]
    for f in random.Random(seed + 89).sample(pool, min(n, len(pool))):
        shutil.copy(f, d / f"ofsted-{f.name}")


def external_letters(path: Path, corpus: Path) -> tuple[dict, list[dict]]:
    """Letters from another public scrape in the responses.csv column format (``--letters-csv``),
    minus those already in pfd/responses.csv: gold is the row's own ``parent_id`` and ``respondent``
    (the judiciary's upload label, not read from the letter), with the parent report's recipient that
    label names best as an alias. Actions have no gold here."""
    from corpus.readers import split_recipients
    from corpus.responses import org_similarity

    known = {r["response_url"] for r in csv_rows(corpus / "pfd" / "responses.csv")[1]}
    reports = {r["id"]: r for r in csv_rows(corpus / "pfd" / "reports.csv")[1]}
    letters = [r for r in csv_rows(path)[1] if r["response_url"] not in known and r["parent_id"] in reports]
    fixes_path = GOLD / "responses_external_dev.json"
    fixes = {c["response_url"]: c["also"] for c in json.loads(fixes_path.read_text())["corrections"]} \
        if fixes_path.exists() else {}
    gold = []
    for i, r in enumerate(letters):
        recs = split_recipients(reports[r["parent_id"]]["receiver"])
        best = max(recs, key=lambda x: org_similarity(r["respondent"], x), default=None)
        aliases = [best] if best and org_similarity(r["respondent"], best) >= 0.5 else []
        aliases += fixes.get(r["response_url"], [])  # hand corrections (dev half only), one reason each
        gold.append({"row": i, "report": r["parent_id"], "respondent": r["respondent"], "aliases": aliases, "actions": []})
    return {"letters": gold}, letters


def build_letter_library(corpus: Path, n_reports: int, seed: int, tmp: Path, distractors: int = 0, negatives: int = 0,
                         gold: dict | None = None, letters: list[dict] | None = None):
    """A library in ``tmp/lib`` (the model of ``$PRECEDENT_MODEL``) ingested through the real ingest from
    ``tmp/in``: the letters' parent reports and ``n_reports`` other rows of reports.csv, each letter as a
    bare text file (``letter-NN.txt``: no respondent, parent id or URL), and ``distractors`` /
    ``negatives`` (see ``add_distractors``, ``add_negatives``). ``gold``, ``letters``: default the 23
    shared letters. (library, ingest report, reports in the library)."""
    from index.ingest import ingest
    from index.library import open_library

    gold = gold or json.loads((GOLD / "responses.json").read_text())
    header, rows = csv_rows(corpus / "pfd" / "reports.csv")
    parents = {g["report"] for g in gold["letters"]}
    keep = [r for r in rows if r["id"] in parents]
    others = [r for r in rows if r["id"] not in parents]
    keep += random.Random(seed).sample(others, min(n_reports, len(others)))
    (tmp / "in").mkdir()
    with open(tmp / "in" / "reports.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        w.writerows(keep)
    if letters is None:
        _, letters = csv_rows(corpus / "pfd" / "responses.csv")
    for i, r in enumerate(letters):  # bare text: the letter only, nothing else
        (tmp / "in" / f"letter-{i:02d}.txt").write_text(r["response"], encoding="utf-8")
    if distractors:
        add_distractors(corpus, distractors, seed, tmp / "in")
    if negatives:
        add_negatives(corpus, negatives, seed, tmp / "in")
    lib = open_library(tmp / "lib")
    rep = ingest(lib, [tmp / "in"])
    return lib, rep, len(keep)


# ------------------------------------------------------------------ processes and latency

# product queries of the kind people type, shared by the ingest, scale and load benchmarks
QUERIES = [
    "information shared at a MARAC meeting was not minuted",
    "risk assessment not completed before discharge",
    "no information sharing between prison and mental health services on release",
    "staff were not trained in the use of the ligature cutter",
    "delay in ambulance response",
    "GP was not told of the hospital discharge",
    "MAPPA level 2 management of a sex offender",
    "observations not carried out on a patient in police custody",
    "lack of professional curiosity by social workers",
    "domestic abuse DASH risk checklist not completed",
    "CAMHS waiting list for a child at risk of suicide",
    "falls risk assessment in a care home",
    "missed opportunity to safeguard a vulnerable adult",
    "medication errors in prison healthcare",
    "agencies worked in silos",
]


def _proc_status_mb(pid: int | str, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a live process now (/proc VmRSS), in MB."""
    return _proc_status_mb(pid, "VmRSS")


def peak_rss_mb(pid: int | str = "self") -> float:
    """Peak resident memory of a live process so far (/proc VmHWM), in MB."""
    return _proc_status_mb(pid, "VmHWM")


def max_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory by getrusage, in MB: of this process, or (``RUSAGE_CHILDREN``) of its
    largest child that has ended (the ingest's reader process)."""
    return resource.getrusage(who).ru_maxrss / 1024


def pct(xs: list[float], p: float) -> float:
    """The ``p``-th percentile of ``xs`` (nearest rank; nan when empty)."""
    xs = sorted(xs)
    if not xs:
        return float("nan")
    i = min(len(xs) - 1, max(0, int(round(p / 100 * (len(xs) - 1)))))
    return xs[i]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (for a ``precedent serve`` under test)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CPU_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8", "amx_tile")


def cpu_features() -> dict:
    """What decides the encoder's speed on this machine: the CPU's model, the cores this
    process may use, and the vector instructions /proc/cpuinfo lists (int8 GEMMs run fastest
    with VNNI; torch fp32 gains most from AVX-512)."""
    out: dict = {"cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()}
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return {**out, "flags": "unknown (no /proc/cpuinfo)"}
    model = re.search(r"^model name\s*:\s*(.+)$", info, re.M)
    flags = re.search(r"^flags\s*:\s*(.+)$", info, re.M)
    have = set(flags.group(1).split()) if flags else set()
    out["model"] = model.group(1).strip() if model else "?"
    out["flags"] = [f for f in CPU_FLAGS if f in have]
    return out


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages (the machine may be shared), or "?"."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def child_pids(pid: int) -> set[int]:
    """The live processes whose parent is ``pid`` (read from /proc; empty elsewhere)."""
    out = set()
    for d in Path("/proc").glob("[0-9]*"):
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.add(int(d.name))
    return out


def process_gone(pid: int) -> bool:
    """Whether ``pid`` has exited (a zombie nobody reaps, as in a container without init, has)."""
    try:
        return "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True


def seeds_and_reports(shared: Path, docs: Path, rows: slice = slice(100, 140)) -> Path:
    """A small corpus in ``docs``: the five seeds and the PFD reports ``rows`` of those with concerns
    (by default 40 reports about other things), the one the strength and no-match checks build."""
    import shutil

    shutil.copytree(shared / "corpus" / "seeds", docs / "seeds")
    csv.field_size_limit(1 << 30)
    with open(shared / "corpus" / "pfd" / "reports.csv", encoding="utf-8", newline="") as f:
        picked = [r for r in csv.DictReader(f) if r["concerns"].strip()][rows]
    with open(docs / "reports.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(picked[0]))
        w.writeheader()
        w.writerows(picked)
    return docs

