"""Benchmark (not a test): ingest a folder of hostile files beside good ones with the real model
and print what it cost. Issue 28: one file must not stall the batch or lose the others.

    .venv/bin/python -m benchmarks.hostile_ingest [--keep DIR] [--json]

The folder holds: a zip-bomb DOCX (valid Word XML inflating to 300 MB), a 50 MB text, a text
of one 2 MB "word", a PFD CSV with a 31 MB concerns field, a PFD CSV whose second row has an
unclosed quote, and three good files (real PFD report PDFs from the shared corpus, else
written here). Prints the wall time, the peak memory of this process and of the reader
process, what was added, and each failure and limit warning with its reason.
Target: under 5 minutes, peak under 1.5 GB, every good file committed, every bad one reported."""
from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

from benchmarks.common import corpus_dir, max_rss_mb
from index.ingest import ingest
from index.library import open_library

WORDS = ("the trust did not review policy patient discharge plan staff risk assessment GP coroner "
         "concern ward nurse record monitor observation training escalation family medication").split()
PFD_HEADER = "url,id,date,coroner,area,receiver,investigation,circumstances,concerns\n"


def prose(rng: random.Random, chars: int) -> str:
    out, n = [], 0
    while n < chars:
        s = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))).capitalize() + "."
        out.append(s + ("\n\n" if rng.random() < 0.2 else " "))
        n += len(s) + 1
    return "".join(out)


def write_prose(f, rng: random.Random, chars: int) -> None:
    """``chars`` of prose written in 1 MB pieces (building it whole would inflate this process's
    peak memory, which the benchmark measures)."""
    piece = 1 << 20
    for _ in range(chars // piece):
        f.write(prose(rng, piece).replace('"', ""))


def zip_bomb_docx(path: Path, mb: int = 300) -> None:
    """A Word document whose document.xml is ``mb`` MB of empty paragraphs (about 1 MB zipped)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"/>')
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
            block = b"<w:p/>" * (1 << 18)
            for _ in range(mb * (1 << 20) // len(block)):
                f.write(block)
            f.write(b"</w:body></w:document>")


def build(folder: Path) -> dict[str, str]:
    """The hostile folder; returns {file name: "good" | "bad"}."""
    rng = random.Random(28)
    kinds = {}
    zip_bomb_docx(folder / "bomb.docx")
    kinds["bomb.docx"] = "bad"
    with open(folder / "huge.txt", "w") as f:
        write_prose(f, rng, 50 << 20)
    kinds["huge.txt"] = "truncated"
    (folder / "token.txt").write_text("Q" * (2 << 20))
    kinds["token.txt"] = "bad"
    with open(folder / "bigfield.csv", "w") as f:
        f.write(PFD_HEADER + 'https://www.judiciary.uk/pfd/big/,2024-0900,2024-02-01,A. Coroner,Testshire,'
                'NHS England,"Death of Ann Big.","She died.","')
        write_prose(f, rng, 31 << 20)
        f.write('"\n')
    kinds["bigfield.csv"] = "truncated"
    rows = [f'https://www.judiciary.uk/pfd/r{i}/,2024-09{i:02d},2024-03-0{i},C,Testshire,NHS England,'
            f'"Death of Person {i}.","{prose(rng, 400)}","1. {prose(rng, 300)}' + ('"' if i != 2 else "")
            for i in range(1, 6)]
    (folder / "unclosed.csv").write_text(PFD_HEADER + "\n".join(rows) + "\n")
    kinds["unclosed.csv"] = "row reported"
    try:
        pdfs = sorted((corpus_dir(None) / "pdf" / "pfd").glob("*.pdf"))[:3]
    except (OSError, SystemExit):
        pdfs = []
    for p in pdfs:
        shutil.copy(p, folder / p.name)
        kinds[p.name] = "good"
    for i in range(3 - len(pdfs)):
        (folder / f"good{i}.txt").write_text(prose(rng, 6000))
        kinds[f"good{i}.txt"] = "good"
    return kinds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--keep", help="build the folder and library here (default: a temporary folder)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="hostile-"))
    folder = tmp / "in"
    folder.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    kinds = build(folder)
    built = time.perf_counter() - t
    lib = open_library(tmp / "library")
    t0 = time.perf_counter()
    report = ingest(lib, [folder])
    wall = time.perf_counter() - t0
    added = sorted({a["source"].split("#")[0].rsplit("/", 1)[-1] for a in report.added})
    failed = [{"path": f["path"].rsplit("/", 1)[-1], "reason": f["reason"]} for f in report.failed]
    limit_notes = [{"source": w["source"].rsplit("/", 1)[-1], "warning": w["warning"]}
                   for w in report.warnings if "PRECEDENT_" in w.get("warning", "")]
    good_missing = [n for n, k in kinds.items() if k in ("good", "truncated") and n not in added]
    bad_unreported = [n for n, k in kinds.items() if k != "good" and k != "truncated"
                      and not any(f["path"].startswith(n) for f in failed)]
    out = {
        "files": kinds, "build_s": round(built, 1), "ingest_wall_s": round(wall, 1),
        "peak_rss_mb": round(max_rss_mb(), 1),
        "peak_rss_reader_process_mb": round(max_rss_mb(resource.RUSAGE_CHILDREN), 1),
        "added_from": added, "documents_added": len(report.added), "passages": report.passages,
        "failed": failed, "limit_warnings": limit_notes,
        "good_missing": good_missing, "bad_unreported": bad_unreported,
        "targets_met": wall < 300 and max(max_rss_mb(), max_rss_mb(resource.RUSAGE_CHILDREN)) < 1536
        and not good_missing and not bad_unreported,
    }
    lib.close()
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(out, indent=1))
        return
    print(f"built the folder in {out['build_s']} s; ingest wall {out['ingest_wall_s']} s; peak memory "
          f"{out['peak_rss_mb']} MB (ingest process), {out['peak_rss_reader_process_mb']} MB (reader process)")
    print(f"added {out['documents_added']} documents ({out['passages']} passages) from: {', '.join(added)}")
    for f in failed:
        print(f"  failed  {f['path']}: {f['reason']}")
    for w in limit_notes:
        print(f"  limited {w['source']}: {w['warning']}")
    print(f"good files missing: {good_missing or 'none'}; bad files unreported: {bad_unreported or 'none'}; "
          f"targets (< 5 min, < 1.5 GB) met: {out['targets_met']}")


if __name__ == "__main__":
    main()
