-- IAM identity providers (issue 16). Lists (client ids, thumbprints, tags) are JSON text like the other entities' tags.
-- The ARN is the key: it holds the account and the url (OIDC) or the name (SAML), exactly as IAM spells it.
CREATE TABLE iam_oidc_providers (
    arn TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    url TEXT NOT NULL,
    client_ids TEXT NOT NULL,
    thumbprints TEXT NOT NULL,
    tags TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (account_id, url)
);

CREATE TABLE iam_saml_providers (
    arn TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    metadata_document TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    valid_until INTEGER,
    tags TEXT NOT NULL
);

CREATE INDEX iam_saml_providers_account ON iam_saml_providers (account_id);

-- SAML assertions already used, remembered until they expire (each is accepted once). Pruned by the writer that records
-- the next one (expires_at index), not by the reaper.
CREATE TABLE saml_used_assertions (
    provider_arn TEXT NOT NULL,
    assertion_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (provider_arn, assertion_id)
);

CREATE INDEX saml_used_assertions_expiry ON saml_used_assertions (expires_at);
