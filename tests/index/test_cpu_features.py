"""Issue 28, finding 7: a speed figure is only read right beside the machine it was measured on,
so the benchmarks print the CPU's model, the cores this process may use and its vector flags."""
import os

from benchmarks.common import CPU_FLAGS, cpu_features


def test_cpu_features_name_the_cores_this_process_may_use_and_the_vector_flags(monkeypatch):
    got = cpu_features()
    assert got["cores"] >= 1
    if os.path.exists("/proc/cpuinfo"):
        assert got["model"] and set(got["flags"]) <= set(CPU_FLAGS)
    if hasattr(os, "sched_getaffinity"):  # a container's share, not the host's count
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
        assert cpu_features()["cores"] == 2
