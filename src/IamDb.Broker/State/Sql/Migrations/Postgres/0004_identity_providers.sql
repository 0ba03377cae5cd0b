-- IAM identity providers (issue 16). Lists (client ids, thumbprints, tags) are JSON text like the other entities' tags.
-- The ARN is the key: it holds the account and the url (OIDC) or the name (SAML), exactly as IAM spells it.
CREATE TABLE iam_oidc_providers (
    arn text COLLATE "C" PRIMARY KEY,
    account_id text COLLATE "C" NOT NULL,
    url text COLLATE "C" NOT NULL,
    client_ids text COLLATE "C" NOT NULL,
    thumbprints text COLLATE "C" NOT NULL,
    tags text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    UNIQUE (account_id, url)
);

CREATE TABLE iam_saml_providers (
    arn text COLLATE "C" PRIMARY KEY,
    account_id text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    metadata_document text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    valid_until bigint,
    tags text COLLATE "C" NOT NULL
);

CREATE INDEX iam_saml_providers_account ON iam_saml_providers (account_id);

-- SAML assertions already used, remembered until they expire (each is accepted once, on any node: the primary key
-- decides). Pruned by the writer that records the next one (expires_at index), not by the reaper.
CREATE TABLE saml_used_assertions (
    provider_arn text COLLATE "C" NOT NULL,
    assertion_id text COLLATE "C" NOT NULL,
    expires_at bigint NOT NULL,
    PRIMARY KEY (provider_arn, assertion_id)
);

CREATE INDEX saml_used_assertions_expiry ON saml_used_assertions (expires_at);

-- No node caches providers (each sign-in reads its provider in its own snapshot), but changes are announced like the
-- other IAM tables so that a cache added later (of JWKS keys per provider, say) has its signal already.
CREATE TRIGGER iam_oidc_providers_changed AFTER INSERT OR UPDATE OR DELETE ON iam_oidc_providers FOR EACH STATEMENT EXECUTE FUNCTION iamdb_announce_table();
CREATE TRIGGER iam_saml_providers_changed AFTER INSERT OR UPDATE OR DELETE ON iam_saml_providers FOR EACH STATEMENT EXECUTE FUNCTION iamdb_announce_table();
