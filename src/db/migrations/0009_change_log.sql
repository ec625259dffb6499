-- 0009: one change log for every write. `changes` has a row per write (one transaction) with
-- its origin and, for an import, the import's id; `change_log` a row per row that write
-- changed: the table, the row's primary key as a JSON array, the operation, the record it
-- belongs to, and the changed columns before and after (an insert keeps only its key, since
-- the row itself holds the values; a delete keeps the whole row). Undoing an import reverts its
-- rows from here, and refuses when a later write changed the same records.
CREATE TABLE changes (
    id         INTEGER PRIMARY KEY,
    origin     TEXT NOT NULL,
    actor      TEXT NOT NULL,
    at         TEXT NOT NULL,
    -- The first change_log id this write could use: a write's rows are contiguous, because
    -- writes are serialised by the database's write lock.
    log_from   INTEGER NOT NULL,
    import_id  INTEGER,
    undoes     INTEGER
);
CREATE INDEX changes_import ON changes (import_id) WHERE import_id IS NOT NULL;

CREATE TABLE change_log (
    id         INTEGER PRIMARY KEY,
    change_id  INTEGER NOT NULL,
    tbl        TEXT NOT NULL,
    key        TEXT NOT NULL,
    op         TEXT NOT NULL,
    record_id  INTEGER,
    before     TEXT,
    after      TEXT
);

-- Undo may remove the audit events of the import it undoes, and nothing else may: the row
-- here exists only inside an undo's transaction.
CREATE TABLE undoing (import_id INTEGER PRIMARY KEY);
DROP TRIGGER events_no_delete;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
WHEN NOT EXISTS (SELECT 1 FROM undoing)
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
