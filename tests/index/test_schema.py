"""index/schema.py: one versioned schema; libraries made by older code open and gain missing tables."""
import sqlite3

from index import schema
from index.store import Store

ALL_TABLES = {"documents", "passages", "passages_fts", "vectors", "findings", "findings_fts", "actions",
              "action_findings", "links", "annotations", "files", "acronyms", "settings", "themes",
              "theme_members", "theme_edits", "theme_state", "post_ingest_done", "screens",
              "screen_judgements", "collections", "collection_items"}


def _tables(conn) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_new_library_has_every_table_and_the_latest_version(tmp_path):
    store = Store(tmp_path / "lib.sqlite")
    assert ALL_TABLES <= _tables(store.conn)
    assert schema.schema_version(store.conn) == schema.SCHEMA_VERSION
    assert schema.ensure_schema(store.conn) == schema.SCHEMA_VERSION  # up to date: nothing to do


def test_library_from_older_code_gains_missing_tables_and_keeps_rows(tmp_path):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    # what the code before index/schema.py wrote on opening: the core tables and version '1'
    conn.executescript(schema.CORE + "INSERT OR IGNORE INTO settings VALUES ('schema_version', '1');")
    conn.execute("INSERT INTO documents(content_hash, title, type, source, text, blocks, meta) "
                 "VALUES ('h', 'A report', 'report', 's', 'text', '[]', '{}')")
    conn.execute("INSERT INTO passages(document_id, seq, text, start, end, text_hash) "
                 "VALUES (1, 0, 'the staff were not trained', 0, 26, 'x')")
    conn.close()
    assert "themes" not in _tables(sqlite3.connect(path))

    store = Store(path)
    assert ALL_TABLES <= _tables(store.conn)
    assert schema.schema_version(store.conn) == schema.SCHEMA_VERSION
    assert store.conn.execute("SELECT title FROM documents").fetchone()[0] == "A report"
    # the full-text triggers still work on the migrated file
    hits = store.conn.execute("SELECT rowid FROM passages_fts WHERE passages_fts MATCH 'trained'").fetchall()
    assert [h[0] for h in hits] == [1]


def test_migration_inside_an_open_transaction_does_not_commit_it(tmp_path):
    conn = sqlite3.connect(tmp_path / "t.sqlite", isolation_level=None)
    conn.execute("BEGIN")
    conn.execute("CREATE TABLE scratch (x)")
    schema.ensure_schema(conn)
    assert conn.in_transaction
    conn.execute("ROLLBACK")
    assert "scratch" not in _tables(conn) and "documents" not in _tables(conn)


def test_statements_keep_trigger_bodies_whole():
    stmts = schema.statements(schema.CORE)
    triggers = [s for s in stmts if s.startswith("CREATE TRIGGER")]
    assert len(triggers) == 4 and all(s.endswith("END;") for s in triggers)
    assert all(sqlite3.complete_statement(s) for s in stmts)


def test_no_other_module_creates_library_tables():
    import pathlib
    root = pathlib.Path(__file__).resolve().parents[2]
    offenders = []
    for p in list((root / "index").glob("*.py")) + list((root / "search").glob("*.py")) + list((root / "webui").glob("*.py")):
        if p.name == "schema.py":
            continue
        for line in p.read_text().splitlines():
            if "CREATE TABLE" in line or ("CREATE VIRTUAL TABLE" in line and "temp." not in line):
                offenders.append(f"{p.name}: {line.strip()}")
    assert offenders == []
