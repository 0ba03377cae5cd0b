-- IamDb state, PostgreSQL dialect (text keys use the "C" collation so order matches SQLite's). Times are Unix milliseconds; *_key columns are upper-cased names for
-- case-insensitive uniqueness and ordering; JSON columns hold tags and other document-like parts.
CREATE TABLE store_metadata (
    key text COLLATE "C" PRIMARY KEY,
    value bytea NOT NULL
);

CREATE TABLE iam_users (
    user_id text COLLATE "C" PRIMARY KEY,
    account_id text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    name_key text COLLATE "C" NOT NULL,
    path text COLLATE "C" NOT NULL,
    arn text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    boundary_arn text COLLATE "C",
    tags text COLLATE "C" NOT NULL,
    UNIQUE (account_id, name_key)
);

CREATE TABLE iam_groups (
    group_id text COLLATE "C" PRIMARY KEY,
    account_id text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    name_key text COLLATE "C" NOT NULL,
    path text COLLATE "C" NOT NULL,
    arn text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    UNIQUE (account_id, name_key)
);

CREATE TABLE iam_group_members (
    group_id text COLLATE "C" NOT NULL REFERENCES iam_groups (group_id),
    user_id text COLLATE "C" NOT NULL REFERENCES iam_users (user_id),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX iam_group_members_user ON iam_group_members (user_id);

CREATE TABLE iam_roles (
    role_id text COLLATE "C" PRIMARY KEY,
    account_id text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    name_key text COLLATE "C" NOT NULL,
    path text COLLATE "C" NOT NULL,
    arn text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    trust_policy text COLLATE "C" NOT NULL,
    description text COLLATE "C",
    max_session_seconds bigint NOT NULL,
    boundary_arn text COLLATE "C",
    tags text COLLATE "C" NOT NULL,
    UNIQUE (account_id, name_key)
);

CREATE TABLE iam_policies (
    policy_id text COLLATE "C" PRIMARY KEY,
    account_id text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    name_key text COLLATE "C" NOT NULL,
    path text COLLATE "C" NOT NULL,
    arn text COLLATE "C" NOT NULL UNIQUE,
    default_version text COLLATE "C" NOT NULL,
    next_version bigint NOT NULL,
    description text COLLATE "C",
    tags text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    UNIQUE (account_id, name_key)
);

CREATE TABLE iam_policy_versions (
    policy_id text COLLATE "C" NOT NULL REFERENCES iam_policies (policy_id),
    version_id text COLLATE "C" NOT NULL,
    version_number bigint NOT NULL,
    document text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (policy_id, version_id)
);

CREATE TABLE iam_policy_attachments (
    principal_id text COLLATE "C" NOT NULL,
    policy_arn text COLLATE "C" NOT NULL,
    account_id text COLLATE "C" NOT NULL,
    principal_kind text COLLATE "C" NOT NULL,
    policy_name text COLLATE "C" NOT NULL,
    policy_path text COLLATE "C" NOT NULL,
    PRIMARY KEY (principal_id, policy_arn)
);
CREATE INDEX iam_policy_attachments_policy ON iam_policy_attachments (policy_arn, principal_id);

CREATE TABLE iam_inline_policies (
    principal_id text COLLATE "C" NOT NULL,
    name_key text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    account_id text COLLATE "C" NOT NULL,
    principal_kind text COLLATE "C" NOT NULL,
    document text COLLATE "C" NOT NULL,
    PRIMARY KEY (principal_id, name_key)
);

CREATE TABLE iam_access_keys (
    access_key_id text COLLATE "C" PRIMARY KEY,
    account_id text COLLATE "C" NOT NULL,
    user_id text COLLATE "C" REFERENCES iam_users (user_id),
    secret bytea NOT NULL,
    status text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    last_used_at bigint,
    last_used_service text COLLATE "C",
    last_used_region text COLLATE "C"
);
CREATE INDEX iam_access_keys_owner ON iam_access_keys (account_id, user_id);

CREATE TABLE sts_sessions (
    access_key_id text COLLATE "C" PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE,
    account_id text COLLATE "C" NOT NULL,
    secret bytea NOT NULL,
    kind text COLLATE "C" NOT NULL,
    principal_arn text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    context text COLLATE "C" NOT NULL
);
CREATE INDEX sts_sessions_expiry ON sts_sessions (expires_at);

CREATE TABLE iam_guardrails (
    account_id text COLLATE "C" NOT NULL,
    name_key text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    document text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (account_id, name_key)
);

CREATE TABLE redshift_clusters (
    account_id text COLLATE "C" NOT NULL,
    identifier_key text COLLATE "C" NOT NULL,
    identifier text COLLATE "C" NOT NULL,
    region text COLLATE "C" NOT NULL,
    host text COLLATE "C" NOT NULL,
    port bigint NOT NULL,
    default_db text COLLATE "C" NOT NULL,
    admin_user text COLLATE "C" NOT NULL,
    admin_password bytea NOT NULL,
    tags text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (account_id, identifier_key)
);

CREATE TABLE redshift_credentials (
    request_id text COLLATE "C" PRIMARY KEY,
    account_id text COLLATE "C" NOT NULL,
    principal_arn text COLLATE "C" NOT NULL,
    cluster_key text COLLATE "C" NOT NULL,
    cluster_identifier text COLLATE "C" NOT NULL,
    db_user text COLLATE "C" NOT NULL,
    login_role text COLLATE "C" NOT NULL,
    db_name text COLLATE "C",
    db_groups text COLLATE "C" NOT NULL,
    issued_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    revoked_at bigint,
    reaped_at bigint
);
CREATE INDEX redshift_credentials_issued ON redshift_credentials (account_id, issued_at);
CREATE INDEX redshift_credentials_reap ON redshift_credentials (reaped_at, expires_at);

CREATE TABLE audit_events (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id text COLLATE "C" NOT NULL UNIQUE,
    event_time bigint NOT NULL,
    account_id text COLLATE "C",
    event_name text COLLATE "C" NOT NULL,
    principal_arn text COLLATE "C",
    is_error bigint NOT NULL,
    record text COLLATE "C" NOT NULL
);
CREATE INDEX audit_events_time ON audit_events (event_time, seq);
CREATE INDEX audit_events_principal ON audit_events (principal_arn, event_time);
CREATE INDEX audit_events_name ON audit_events (event_name, event_time);
