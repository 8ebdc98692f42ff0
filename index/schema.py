"""The library's schema in one place: every table, index, full-text table and trigger,
a schema version and the ordered migrations that reach it.

``ensure_schema(conn)`` is run by ``index.store.Store`` when it opens a library, so every
module can rely on its tables being there. The version lives in the ``settings`` table
(key ``schema_version``), as libraries created before this module recorded it ('1').
Every statement is idempotent (``IF NOT EXISTS``): a library at an older version re-runs
all migrations in order and gains whatever tables it lacks, keeping its rows.

Still outside: ``index/termstats.py`` creates ``term_df`` itself (to move here as the next
migration, ``(6, "term statistics", TERM_STATS)``), and ``index/responses/linking.py`` creates
connection-local ``temp.`` tables, which are not part of the library file.
"""
from __future__ import annotations

import sqlite3

# ---- 1: documents, passages, vectors, findings, actions, links, annotations, files, settings ----
CORE = """
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    content_hash TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    type TEXT NOT NULL,
    date TEXT,
    reference TEXT,
    source TEXT NOT NULL,
    text TEXT NOT NULL,
    blocks TEXT NOT NULL,          -- JSON [[start, end, section, page], ...]
    meta TEXT NOT NULL,            -- JSON: area, coroner, recipients, url, ...
    added_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX IF NOT EXISTS documents_reference ON documents(reference);
CREATE INDEX IF NOT EXISTS documents_type ON documents(type);

CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    text TEXT NOT NULL,
    section TEXT,
    page INTEGER,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    text_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_document ON passages(document_id);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(
    text, content='passages', content_rowid='id', tokenize='porter unicode61'
);
CREATE TRIGGER IF NOT EXISTS passages_ai AFTER INSERT ON passages BEGIN
    INSERT INTO passages_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER IF NOT EXISTS passages_ad AFTER DELETE ON passages BEGIN
    INSERT INTO passages_fts(passages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;

-- one vector per distinct text: the same text is never embedded twice
CREATE TABLE IF NOT EXISTS vectors (
    text_hash TEXT PRIMARY KEY,
    vector BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS findings (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    label TEXT,
    text TEXT NOT NULL,
    addressees TEXT NOT NULL,      -- JSON list
    section TEXT,
    page INTEGER,
    start INTEGER,
    end INTEGER,
    text_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS findings_document ON findings(document_id);
CREATE VIRTUAL TABLE IF NOT EXISTS findings_fts USING fts5(
    text, content='findings', content_rowid='id', tokenize='porter unicode61'
);
CREATE TRIGGER IF NOT EXISTS findings_ai AFTER INSERT ON findings BEGIN
    INSERT INTO findings_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER IF NOT EXISTS findings_ad AFTER DELETE ON findings BEGIN
    INSERT INTO findings_fts(findings_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;

CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    owner TEXT,
    due TEXT,
    due_text TEXT,
    updated TEXT,
    status TEXT,
    page INTEGER,
    start INTEGER,
    end INTEGER
);
CREATE INDEX IF NOT EXISTS actions_document ON actions(document_id);
-- which findings an action answers (possibly in another document)
CREATE TABLE IF NOT EXISTS action_findings (
    action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    finding_id INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
    PRIMARY KEY (action_id, finding_id)
);
CREATE INDEX IF NOT EXISTS action_findings_finding ON action_findings(finding_id);

-- a response document linked to the report it answers
CREATE TABLE IF NOT EXISTS links (
    response_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    report_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    confidence REAL NOT NULL,
    evidence TEXT NOT NULL,        -- JSON
    PRIMARY KEY (response_id, report_id)
);
CREATE INDEX IF NOT EXISTS links_report ON links(report_id);

-- facts about reports from datasets without text (Preventable Deaths Tracker)
CREATE TABLE IF NOT EXISTS annotations (
    reference TEXT NOT NULL,
    source TEXT NOT NULL,
    data TEXT NOT NULL,            -- JSON
    PRIMARY KEY (reference, source)
);

-- files fully ingested, by content hash: a re-run skips them
CREATE TABLE IF NOT EXISTS files (
    sha256 TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    documents INTEGER NOT NULL,
    ingested_at TEXT NOT NULL DEFAULT (datetime('now'))
);

-- acronyms the documents define ("Multi-Agency Risk Assessment Conference (MARAC)"), counted
CREATE TABLE IF NOT EXISTS acronyms (
    acronym TEXT NOT NULL,
    expansion TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (acronym, expansion)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

# ---- 2: themes (written by index/themes/store.py, read by index/themes/reads.py) -----------------
THEMES = """
CREATE TABLE IF NOT EXISTS themes (
    id INTEGER PRIMARY KEY,
    level INTEGER NOT NULL,            -- 1 broad, 2 specific
    parent INTEGER,                    -- broad theme id
    label TEXT NOT NULL,
    auto_label TEXT NOT NULL,
    renamed INTEGER NOT NULL DEFAULT 0,
    top_terms TEXT NOT NULL,           -- JSON list
    centroid BLOB,                     -- float32 unit vector, embedding space
    radius REAL NOT NULL DEFAULT 0,    -- cosine distance for incremental assignment
    built_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS theme_members (
    theme_id INTEGER NOT NULL REFERENCES themes(id) ON DELETE CASCADE,
    finding_id INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
    score REAL,
    how TEXT NOT NULL DEFAULT 'build',
    PRIMARY KEY (theme_id, finding_id)
);
CREATE INDEX IF NOT EXISTS theme_members_finding ON theme_members(finding_id);
CREATE TABLE IF NOT EXISTS theme_edits (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL DEFAULT (datetime('now')),
    op TEXT NOT NULL,                  -- rename | merge | split
    theme_id INTEGER NOT NULL,         -- the id the edit gives or keeps
    args TEXT NOT NULL,                -- JSON
    members TEXT NOT NULL,             -- JSON: member snapshots, refreshed at each rebuild
    status TEXT NOT NULL DEFAULT 'applied'   -- applied | orphaned (nothing matched)
);
CREATE TABLE IF NOT EXISTS theme_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

# ---- 3: post-ingest steps done per document (index/ingest/finish.py) ------------------------------
POST_INGEST = """
CREATE TABLE IF NOT EXISTS post_ingest_done (
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    step TEXT NOT NULL,
    done_at TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (document_id, step)
) WITHOUT ROWID;
"""

# ---- 4: screens and their judgements (index/screens.py) ----------------------------------
SCREENS = """
CREATE TABLE IF NOT EXISTS screens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    query TEXT NOT NULL,
    filters TEXT NOT NULL DEFAULT '{}',   -- JSON: type, date_from, date_to, area, recipient
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS screen_judgements (
    screen_id INTEGER NOT NULL REFERENCES screens(id) ON DELETE CASCADE,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    label INTEGER NOT NULL CHECK (label IN (0, 1)),
    note TEXT NOT NULL DEFAULT '',
    seq INTEGER NOT NULL,                 -- order of judging (1, 2, ...)
    judged_at TEXT NOT NULL,
    PRIMARY KEY (screen_id, document_id)
);
CREATE INDEX IF NOT EXISTS screen_judgements_seq ON screen_judgements(screen_id, seq);
"""

# ---- 5: packs / collections (rows: index/packs.py; rules: search/packs/packs.py) -----------------------
PACKS = """
CREATE TABLE IF NOT EXISTS collections (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS collection_items (
    id INTEGER PRIMARY KEY,
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    item_type TEXT NOT NULL CHECK (item_type IN ('finding', 'document')),
    item_id INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL,
    added TEXT NOT NULL,
    UNIQUE (collection_id, item_type, item_id)
);
CREATE INDEX IF NOT EXISTS collection_items_collection ON collection_items(collection_id, position);
"""

# document frequency of each stemmed term over the passages (index/termstats.py); its
# ``term_df_*`` settings say whether it has been built, so an empty table means "not yet"
TERM_STATS = """
CREATE TABLE IF NOT EXISTS term_df (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
"""

# ---- 7: the random draws a screen's `next` made to check the unjudged documents (index/screens.py) ----
SCREEN_DRAWS = """
CREATE TABLE IF NOT EXISTS screen_draws (
    id INTEGER PRIMARY KEY,
    screen_id INTEGER NOT NULL REFERENCES screens(id) ON DELETE CASCADE,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    q REAL NOT NULL,                      -- the chance this draw had of picking this document
    p REAL NOT NULL,                      -- the document's probability when drawn
    pool INTEGER NOT NULL,                -- unjudged documents in the screen when drawn
    pool_p REAL NOT NULL,                 -- their probabilities, summed
    judged_seq INTEGER NOT NULL,          -- the screen's last judgement seq when drawn
    drawn_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS screen_draws_screen ON screen_draws(screen_id, id);
"""

# ---- 8: each document's source identity, and what became of replaced or removed documents ----------
# (index/ingest/sources.py). A document's key is its resolved path, or the path and the row's reference
# for a dataset row: re-ingesting an edited file replaces the document of the same key.
SOURCES = """
CREATE TABLE IF NOT EXISTS document_sources (
    document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    key TEXT NOT NULL UNIQUE
);
-- one row a document replaced (new_id: its new version) or removed (new_id NULL); no foreign
-- keys: the old document is gone
CREATE TABLE IF NOT EXISTS document_changes (
    id INTEGER PRIMARY KEY,
    old_id INTEGER NOT NULL,
    new_id INTEGER,
    key TEXT NOT NULL,
    title TEXT NOT NULL,
    at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX IF NOT EXISTS document_changes_old ON document_changes(old_id);
-- a pack entry whose document changed (or went) since it was added: shown beside the entry
CREATE TABLE IF NOT EXISTS collection_item_changes (
    item_id INTEGER PRIMARY KEY REFERENCES collection_items(id) ON DELETE CASCADE,
    what TEXT NOT NULL,                   -- changed | finding_changed | finding_gone | removed
    old_document_id INTEGER NOT NULL,
    new_document_id INTEGER,
    at TEXT NOT NULL DEFAULT (datetime('now'))
);
"""

# ---- 9: followed searches and organisations, and what each has seen (index/follows.py) ----------------
FOLLOWS = """
CREATE TABLE IF NOT EXISTS follows (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('search', 'organisation')),
    target TEXT NOT NULL,                 -- the query, or the organisation's key
    label TEXT NOT NULL,                  -- what the follow is called on its page and feed
    filters TEXT NOT NULL DEFAULT '{}',   -- a search's filters (JSON)
    created TEXT NOT NULL,
    checked TEXT,                         -- the last check (NULL: only the baseline so far)
    checked_item INTEGER NOT NULL DEFAULT 0,  -- the last follow_items.id the last check listed
    UNIQUE (kind, target, filters)
);
-- one row per thing a follow has seen: ``baseline`` 1 for what was there when it was followed (never
-- listed as new), else the check that first saw it
CREATE TABLE IF NOT EXISTS follow_items (
    id INTEGER PRIMARY KEY,               -- in the order first seen
    follow_id INTEGER NOT NULL REFERENCES follows(id) ON DELETE CASCADE,
    item TEXT NOT NULL,                   -- what: "document:12", "overdue_response:40", ...
    what TEXT NOT NULL,                   -- new_document | new_report | new_response | response_overdue
                                          -- | new_commitment | commitment_overdue
    title TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    document_id INTEGER,                  -- no foreign key: a removed document's item stays, unlinked
    baseline INTEGER NOT NULL DEFAULT 0,
    first_seen TEXT NOT NULL,
    UNIQUE (follow_id, item)
);
"""

# ---- 10: a tuned encoder's vectors, staged beside the library's own until the one switch ----
TUNING = """
-- vectors from a tuned encoder (index/tuning), written while the library goes on answering with
-- its own vectors; one transaction moves them into ``vectors`` (index.tuning.swap)
CREATE TABLE IF NOT EXISTS tuned_vectors (
    text_hash TEXT PRIMARY KEY,
    build TEXT NOT NULL,
    vector BLOB NOT NULL
);
"""

# (version, what, DDL) in order; append a new entry to change the schema, never edit an old one
# in a way that is not idempotent.
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "core", CORE),
    (2, "themes", THEMES),
    (3, "post-ingest steps", POST_INGEST),
    (4, "screens", SCREENS),
    (5, "packs", PACKS),
    (6, "term statistics", TERM_STATS),
    (7, "screen draws", SCREEN_DRAWS),
    (8, "document sources", SOURCES),
    (9, "follows", FOLLOWS),
    (10, "tuned encoder staging", TUNING),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


def statements(sql: str) -> list[str]:
    """Split a script into complete statements (trigger bodies hold ';' of their own)."""
    out: list[str] = []
    buf = ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def schema_version(conn: sqlite3.Connection) -> int:
    """The version recorded in the library (0 for a new, empty file)."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='settings'").fetchone():
        return 0
    row = conn.execute("SELECT value FROM settings WHERE key='schema_version'").fetchone()
    try:
        return int(row[0]) if row else 0
    except ValueError:
        return 0


def ensure_schema(conn: sqlite3.Connection) -> int:
    """Bring the library on ``conn`` to ``SCHEMA_VERSION``; returns the version it had.

    Up to date: one read, nothing written. Otherwise every migration is run in order (all
    idempotent, so tables a library already has are kept as they are) in one transaction when
    none is open, or inside the caller's open transaction."""
    had = schema_version(conn)
    if had >= SCHEMA_VERSION:
        return had
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN IMMEDIATE")
    try:
        for _version, _what, sql in MIGRATIONS:
            for stmt in statements(sql):
                conn.execute(stmt)
        conn.execute("INSERT OR REPLACE INTO settings(key, value) VALUES ('schema_version', ?)",
                     (str(SCHEMA_VERSION),))
    except BaseException:
        if own:
            conn.execute("ROLLBACK")
        raise
    if own:
        conn.execute("COMMIT")
    return had


def ensure_library_schema(lib) -> None:
    """``ensure_schema`` for a ``Library`` (the store already ran it when it opened)."""
    ensure_schema(lib.store.conn)
