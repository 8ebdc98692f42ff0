"""The one settings object: defaults, environment overrides, and the app factory taking it."""
from pathlib import Path

import pytest

from index.settings import ENV, Settings


def test_defaults_when_nothing_is_set():
    s = Settings.from_env({})
    assert s.library == Path("library") and s.model is None and s.encoder == "auto"
    assert s.exact_limit == 100_000 and s.ingest_processes is None and s.max_upload_mb == 16
    assert s.base_url == "" and s.secret_key is None and s.cache.name == "precedent"


def test_environment_overrides_every_field():
    env = {ENV["library"]: "/tmp/lib", ENV["model"]: "fake-hashing-384", ENV["encoder"]: " TORCH-FP32 ",
           ENV["cache"]: "/tmp/c", ENV["exact_limit"]: "50", ENV["ingest_processes"]: "0",
           ENV["base_url"]: "https://x.example", ENV["secret_key"]: "k", ENV["max_upload_mb"]: "2.5"}
    s = Settings.from_env(env)
    assert s == Settings(Path("/tmp/lib"), "fake-hashing-384", "torch-fp32", Path("/tmp/c"), 50, 0,
                         "https://x.example", "k", 2.5)


def test_unreadable_numbers():
    s = Settings.from_env({ENV["exact_limit"]: "lots", ENV["ingest_processes"]: "-1", ENV["model"]: ""})
    assert s.exact_limit == 100_000 and s.ingest_processes is None and s.model is None
    with pytest.raises(ValueError, match="PRECEDENT_MAX_UPLOAD_MB"):
        Settings.from_env({ENV["max_upload_mb"]: "big"})


def test_app_factory_takes_the_settings(tmp_path):
    from webui import create_app

    s = Settings(library=tmp_path / "lib", base_url="https://pub.example", secret_key="fixed", max_upload_mb=1)
    app = create_app({"TESTING": True}, settings=s)
    assert app.config["LIBRARY"] == str(tmp_path / "lib") and app.config["BASE_URL"] == "https://pub.example"
    assert app.config["SECRET_KEY"] == "fixed" and app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024


def test_the_library_lives_on_the_app_and_closes_with_it(filled_library):
    import sqlite3

    from webui import create_app
    from webui.pages import EXTENSION, close_library

    path = filled_library.path
    filled_library.close()
    app = create_app({"TESTING": True, "LIBRARY": str(path)})
    assert app.test_client().get("/documents.json").status_code == 200
    state = app.extensions[EXTENSION]
    lib = state.library
    assert lib is not None and state.owned and "_LIBRARY" not in app.config
    conn = lib.store.conn  # this thread's connection (the test client runs in this thread)
    close_library(app)
    assert state.library is None
    with pytest.raises(sqlite3.ProgrammingError):
        conn.execute("SELECT 1")
    assert app.test_client().get("/documents.json").status_code == 200  # opened again


def test_a_library_handed_in_belongs_to_the_caller(library):
    from webui import create_app
    from webui.pages import close_library

    app = create_app({"TESTING": True, "LIBRARY": library})
    assert app.test_client().get("/documents.json").status_code == 200
    conn = library.store.conn
    close_library(app)
    assert tuple(conn.execute("SELECT 1").fetchone()) == (1,)
