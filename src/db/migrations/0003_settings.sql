-- 0003: the workspace's own settings (the desktop app's watched folder, for one).
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Whether a file was imported before is asked by its digest.
CREATE INDEX imports_sha256 ON imports (sha256);
