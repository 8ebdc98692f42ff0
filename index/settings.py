"""Every setting read from the environment, with its default, in one frozen object.

``Settings.from_env()`` reads the variables below; the CLI builds it once per command and
hands it to the app factory (``webui.create_app(..., settings=)``); index functions called
without an explicit value read ``Settings.from_env()`` at call time, so a changed
environment (a test's ``monkeypatch.setenv``) is seen by the next call.

| variable | field | default |
| --- | --- | --- |
| PRECEDENT_LIBRARY | library | ./library |
| PRECEDENT_MODEL | model | all-MiniLM-L6-v2 (unset or empty) |
| PRECEDENT_ENCODER | encoder | auto: ONNX int8 where it can run, else torch fp32 |
| PRECEDENT_CACHE | cache | ~/.cache/precedent (the ONNX export goes under onnx/) |
| PRECEDENT_EXACT_LIMIT | exact_limit | 100000 vectors searched exactly before HNSW |
| PRECEDENT_INGEST_PROCESSES | ingest_processes | 1: a reader process, so every file's time and memory are bounded (0: read in the ingest's own process, without either bound) |
| PRECEDENT_BASE_URL | base_url | "" (exports link back to the library only when set) |
| PRECEDENT_SECRET_KEY | secret_key | a random key per server process |
| PRECEDENT_MAX_UPLOAD_MB | max_upload_mb | 16 |
| PRECEDENT_ALLOWED_HOSTS | allowed_hosts | () : only 127.0.0.1, localhost, [::1] and the host `serve` binds |
| PRECEDENT_MAX_FILE_MB | max_file_mb | 200 (a larger input file is reported and skipped) |
| PRECEDENT_MAX_TEXT_CHARS | max_text_chars | 1000000 (a document's text beyond it is cut, with a note) |
| PRECEDENT_MAX_PASSAGES | max_passages | 2000 (a document is kept up to its 2000th passage, with a note) |
| PRECEDENT_FILE_SECONDS | file_seconds | 120 (reading one file, or extracting one document, longer is abandoned) |
| PRECEDENT_READER_MB | reader_mb | 1024 (memory the reader process may take beyond its start; a file that needs more is abandoned, reported, and a new reader goes on) |
| PRECEDENT_TUNE | tune | off: `serve` does not tune the encoder after its first ingest (auto: it does) |
| PRECEDENT_TUNE_MINUTES | tune_minutes | 25 (training time of one tune; checkpoints let a resumed run go on) |
| PRECEDENT_TUNE_PAIRS | tune_pairs | 6000 (training pairs of one tune, at most) |
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ENV = {
    "library": "PRECEDENT_LIBRARY",
    "model": "PRECEDENT_MODEL",
    "encoder": "PRECEDENT_ENCODER",
    "cache": "PRECEDENT_CACHE",
    "exact_limit": "PRECEDENT_EXACT_LIMIT",
    "ingest_processes": "PRECEDENT_INGEST_PROCESSES",
    "base_url": "PRECEDENT_BASE_URL",
    "secret_key": "PRECEDENT_SECRET_KEY",
    "max_upload_mb": "PRECEDENT_MAX_UPLOAD_MB",
    "allowed_hosts": "PRECEDENT_ALLOWED_HOSTS",
    "max_file_mb": "PRECEDENT_MAX_FILE_MB",
    "max_text_chars": "PRECEDENT_MAX_TEXT_CHARS",
    "max_passages": "PRECEDENT_MAX_PASSAGES",
    "file_seconds": "PRECEDENT_FILE_SECONDS",
    "reader_mb": "PRECEDENT_READER_MB",
    "tune": "PRECEDENT_TUNE",
    "tune_minutes": "PRECEDENT_TUNE_MINUTES",
    "tune_pairs": "PRECEDENT_TUNE_PAIRS",
}
_FILE_LIMITS = {"max_file_mb": float, "max_text_chars": int, "max_passages": int, "file_seconds": float,
                "reader_mb": float, "tune_minutes": float, "tune_pairs": int}
TUNE_CHOICES = ("off", "auto")


def _default_cache() -> Path:
    return Path(os.path.join(os.path.expanduser("~"), ".cache", "precedent"))


@dataclass(frozen=True)
class Settings:
    library: Path = Path("library")
    model: str | None = None  # None: the default model (index.encoders.embed.DEFAULT_MODEL)
    encoder: str = "auto"  # onnx-int8 | torch-fp32 | auto
    cache: Path = field(default_factory=_default_cache)
    exact_limit: int = 100_000
    ingest_processes: int | None = None  # 0: read in this process; 1 (None: the default): a reader process
    base_url: str = ""
    secret_key: str | None = None  # None: a random key per server process
    max_upload_mb: float = 16
    #: Host names the web server answers besides the loopback names and the host it binds
    #: (a comma list in the variable; a port, if given, is ignored: every port of a name).
    allowed_hosts: tuple[str, ...] = ()
    # per input file (see corpus.readers.limits for what happens at each)
    max_file_mb: float = 200
    max_text_chars: int = 1_000_000
    max_passages: int = 2000
    file_seconds: float = 120
    reader_mb: float = 1024
    # tuning the encoder to the library (index.tuning)
    tune: str = "off"  # auto: serve tunes after its first ingest
    tune_minutes: float = 25
    tune_pairs: int = 6000

    def limits(self):
        """The per-file bounds as ``corpus.readers.limits.Limits``."""
        from corpus.readers.limits import Limits

        return Limits(max_file_mb=self.max_file_mb, max_text_chars=self.max_text_chars,
                      max_passages=self.max_passages, file_seconds=self.file_seconds,
                      reader_mb=self.reader_mb)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings of ``environ`` (default ``os.environ``); unset, empty or unreadable
        numbers keep their defaults, except a non-number upload limit, which is an error."""
        env = os.environ if environ is None else environ
        get = lambda key: env.get(ENV[key]) or ""  # noqa: E731
        limit, processes, mb = get("exact_limit").strip(), get("ingest_processes").strip(), get("max_upload_mb")
        try:
            max_upload_mb = float(mb or cls.max_upload_mb)
        except ValueError:
            raise ValueError(f"{ENV['max_upload_mb']} must be a number of megabytes, not {mb!r}") from None
        limits = {}
        for key, kind in _FILE_LIMITS.items():
            raw = get(key).strip()
            if not raw:
                continue
            try:
                value = kind(raw)
            except ValueError:
                value = None
            if value is None or value <= 0:
                raise ValueError(f"{ENV[key]} must be a positive {'whole ' if kind is int else ''}number, not {raw!r}")
            limits[key] = value
        tune = (get("tune") or cls.tune).strip().lower()
        if tune not in TUNE_CHOICES:
            raise ValueError(f"{ENV['tune']} must be one of {', '.join(TUNE_CHOICES)}, not {tune!r}")
        return cls(
            **limits,
            tune=tune,
            library=Path(get("library") or cls.library),
            model=get("model") or None,
            encoder=(get("encoder") or "auto").strip().lower(),
            cache=Path(get("cache")) if get("cache") else _default_cache(),
            exact_limit=int(limit) if limit.isascii() and limit.isdigit() else cls.exact_limit,
            ingest_processes=int(processes) if processes.isascii() and processes.isdigit() else None,
            base_url=env.get(ENV["base_url"], ""),
            secret_key=get("secret_key") or None,
            max_upload_mb=max_upload_mb,
            allowed_hosts=tuple(h.strip().lower() for h in get("allowed_hosts").split(",") if h.strip()),
        )
