-- IamDb state, SQLite dialect. Times are Unix milliseconds; *_key columns are upper-cased names for
-- case-insensitive uniqueness and ordering; JSON columns hold tags and other document-like parts.
CREATE TABLE store_metadata (
    key TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

CREATE TABLE iam_users (
    user_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    path TEXT NOT NULL,
    arn TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    boundary_arn TEXT,
    tags TEXT NOT NULL,
    UNIQUE (account_id, name_key)
);

CREATE TABLE iam_groups (
    group_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    path TEXT NOT NULL,
    arn TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (account_id, name_key)
);

CREATE TABLE iam_group_members (
    group_id TEXT NOT NULL REFERENCES iam_groups (group_id),
    user_id TEXT NOT NULL REFERENCES iam_users (user_id),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX iam_group_members_user ON iam_group_members (user_id);

CREATE TABLE iam_roles (
    role_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    path TEXT NOT NULL,
    arn TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    trust_policy TEXT NOT NULL,
    description TEXT,
    max_session_seconds INTEGER NOT NULL,
    boundary_arn TEXT,
    tags TEXT NOT NULL,
    UNIQUE (account_id, name_key)
);

CREATE TABLE iam_policies (
    policy_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    path TEXT NOT NULL,
    arn TEXT NOT NULL UNIQUE,
    default_version TEXT NOT NULL,
    next_version INTEGER NOT NULL,
    description TEXT,
    tags TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (account_id, name_key)
);

CREATE TABLE iam_policy_versions (
    policy_id TEXT NOT NULL REFERENCES iam_policies (policy_id),
    version_id TEXT NOT NULL,
    version_number INTEGER NOT NULL,
    document TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (policy_id, version_id)
);

CREATE TABLE iam_policy_attachments (
    principal_id TEXT NOT NULL,
    policy_arn TEXT NOT NULL,
    account_id TEXT NOT NULL,
    principal_kind TEXT NOT NULL,
    policy_name TEXT NOT NULL,
    policy_path TEXT NOT NULL,
    PRIMARY KEY (principal_id, policy_arn)
);
CREATE INDEX iam_policy_attachments_policy ON iam_policy_attachments (policy_arn, principal_id);

CREATE TABLE iam_inline_policies (
    principal_id TEXT NOT NULL,
    name_key TEXT NOT NULL,
    name TEXT NOT NULL,
    account_id TEXT NOT NULL,
    principal_kind TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (principal_id, name_key)
);

CREATE TABLE iam_access_keys (
    access_key_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    user_id TEXT REFERENCES iam_users (user_id),
    secret BLOB NOT NULL,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    last_used_service TEXT,
    last_used_region TEXT
);
CREATE INDEX iam_access_keys_owner ON iam_access_keys (account_id, user_id);

CREATE TABLE sts_sessions (
    access_key_id TEXT PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    account_id TEXT NOT NULL,
    secret BLOB NOT NULL,
    kind TEXT NOT NULL,
    principal_arn TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    context TEXT NOT NULL
);
CREATE INDEX sts_sessions_expiry ON sts_sessions (expires_at);

CREATE TABLE iam_guardrails (
    account_id TEXT NOT NULL,
    name_key TEXT NOT NULL,
    name TEXT NOT NULL,
    document TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, name_key)
);

CREATE TABLE redshift_clusters (
    account_id TEXT NOT NULL,
    identifier_key TEXT NOT NULL,
    identifier TEXT NOT NULL,
    region TEXT NOT NULL,
    host TEXT NOT NULL,
    port INTEGER NOT NULL,
    default_db TEXT NOT NULL,
    admin_user TEXT NOT NULL,
    admin_password BLOB NOT NULL,
    tags TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, identifier_key)
);

CREATE TABLE redshift_credentials (
    request_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    principal_arn TEXT NOT NULL,
    cluster_key TEXT NOT NULL,
    cluster_identifier TEXT NOT NULL,
    db_user TEXT NOT NULL,
    login_role TEXT NOT NULL,
    db_name TEXT,
    db_groups TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    reaped_at INTEGER
);
CREATE INDEX redshift_credentials_issued ON redshift_credentials (account_id, issued_at);
CREATE INDEX redshift_credentials_reap ON redshift_credentials (reaped_at, expires_at);

CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    event_time INTEGER NOT NULL,
    account_id TEXT,
    event_name TEXT NOT NULL,
    principal_arn TEXT,
    is_error INTEGER NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX audit_events_time ON audit_events (event_time, seq);
CREATE INDEX audit_events_principal ON audit_events (principal_arn, event_time);
CREATE INDEX audit_events_name ON audit_events (event_name, event_time);
