-- Leases for duties that run on one node at a time (the reaper). A SQLite store has one node, which always holds them;
-- the table exists so that both stores run the same code. (Cross-node invalidation is PostgreSQL's LISTEN/NOTIFY and
-- has no SQLite counterpart: a SQLite store is never shared.)
CREATE TABLE store_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
