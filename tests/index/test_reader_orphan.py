"""The reader process dies with its parent, even when the parent is killed with SIGKILL."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PARENT = """
import sys, time
from pathlib import Path
from index.ingest.reader import ReaderProcess
files = sorted(Path(sys.argv[1]).glob("*.txt"))
r = ReaderProcess(files, None, set())
print(r.proc.pid, flush=True)
time.sleep(120)  # never reads: the child's messages fill the pipe and it waits to hand them over
"""


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in state  # a zombie nobody reaps (no init in a container) has exited


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_reader_process_dies_when_its_parent_is_killed(tmp_path):
    for i in range(4):  # more than a pipe holds, so the child cannot finish on its own
        (tmp_path / f"doc{i}.txt").write_text(f"Report {i}. " + "The trust did not follow up the referral. " * 8000)
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE,
                              text=True)
    try:
        child = int(parent.stdout.readline())
        time.sleep(2.0)  # the child has read the files and is blocked handing them over
        assert not _gone(child)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 5
        while not _gone(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        alive = not _gone(child)
        if alive:
            os.kill(child, signal.SIGKILL)
        assert not alive, "the reader process outlived its killed parent"
    finally:
        if parent.poll() is None:
            parent.kill()
