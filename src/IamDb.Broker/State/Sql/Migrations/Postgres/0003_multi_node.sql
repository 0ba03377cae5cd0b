-- Several broker nodes on one store (issue 14 §2).
-- Leases: one row per background duty that must run on one node at a time (the reaper). A node holds a lease until
-- expires_at (Unix milliseconds) and renews it well before; another node may take it once it has expired.
CREATE TABLE store_leases (
    name text COLLATE "C" PRIMARY KEY,
    holder text COLLATE "C" NOT NULL,
    expires_at bigint NOT NULL
);

-- Cross-node cache invalidation: every change that a node may have cached is announced on channel iamdb_changes in
-- the transaction that makes it, so listeners hear of it when (and only if) it commits. Triggers rather than code in
-- each handler: no write path (a new handler, a hand-made UPDATE) can forget to announce. Payloads carry ids only,
-- never a secret.
CREATE FUNCTION iamdb_announce_access_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('iamdb_changes', 'access_key:' || OLD.access_key_id);
    RETURN NULL;
END $$;

-- Recording a key's last use updates the row on every request; only status and secret changes matter to a cache.
CREATE TRIGGER iam_access_keys_changed AFTER UPDATE ON iam_access_keys FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.secret IS DISTINCT FROM NEW.secret OR OLD.user_id IS DISTINCT FROM NEW.user_id)
    EXECUTE FUNCTION iamdb_announce_access_key();
CREATE TRIGGER iam_access_keys_deleted AFTER DELETE ON iam_access_keys FOR EACH ROW
    EXECUTE FUNCTION iamdb_announce_access_key();

-- A cached key carries its user's name and ARN: a renamed or deleted user is announced too.
CREATE FUNCTION iamdb_announce_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('iamdb_changes', 'user:' || OLD.user_id);
    RETURN NULL;
END $$;

CREATE TRIGGER iam_users_changed AFTER UPDATE ON iam_users FOR EACH ROW
    WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.path IS DISTINCT FROM NEW.path OR OLD.arn IS DISTINCT FROM NEW.arn)
    EXECUTE FUNCTION iamdb_announce_user();
CREATE TRIGGER iam_users_deleted AFTER DELETE ON iam_users FOR EACH ROW
    EXECUTE FUNCTION iamdb_announce_user();

-- A session removed before its expiry (a deleted role's sessions, a hand-made DELETE) is announced; the periodic
-- clean-up of expired sessions deletes many rows at once and needs no announcement (expired keys are refused anyway).
CREATE FUNCTION iamdb_announce_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.expires_at > (extract(epoch from clock_timestamp()) * 1000)::bigint THEN
        PERFORM pg_notify('iamdb_changes', 'session:' || OLD.access_key_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER sts_sessions_deleted AFTER DELETE ON sts_sessions FOR EACH ROW
    EXECUTE FUNCTION iamdb_announce_session();

-- Policies, attachments, group membership, guardrails, clusters and issued credentials: no node caches them today
-- (each request reads them in its snapshot, and compiled policies are keyed by their text), but a change to any of
-- them is announced once per statement so a cache added later has its signal already.
CREATE FUNCTION iamdb_announce_table() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('iamdb_changes', 'table:' || TG_TABLE_NAME);
    RETURN NULL;
END $$;

CREATE TRIGGER iam_policies_changed AFTER INSERT OR UPDATE OR DELETE ON iam_policies FOR EACH STATEMENT EXECUTE FUNCTION iamdb_announce_table();
CREATE TRIGGER iam_policy_versions_changed AFTER INSERT OR UPDATE OR DELETE ON iam_policy_versions FOR EACH STATEMENT EXECUTE FUNCTION iamdb_announce_table();
CREATE TRIGGER iam_policy_attachments_changed AFTER INSERT OR UPDATE OR DELETE ON iam_policy_attachments FOR EACH STATEMENT EXECUTE FUNCTION iamdb_announce_table();
CREATE TRIGGER iam_inline_policies_changed AFTER INSERT OR UPDATE OR DELETE ON iam_inline_policies FOR EACH STATEMENT EXECUTE FUNCTION iamdb_announce_table();
CREATE TRIGGER iam_group_members_changed AFTER INSERT OR UPDATE OR DELETE ON iam_group_members FOR EACH STATEMENT EXECUTE FUNCTION iamdb_announce_table();
CREATE TRIGGER iam_guardrails_changed AFTER INSERT OR UPDATE OR DELETE ON iam_guardrails FOR EACH STATEMENT EXECUTE FUNCTION iamdb_announce_table();
CREATE TRIGGER redshift_clusters_changed AFTER INSERT OR UPDATE OR DELETE ON redshift_clusters FOR EACH STATEMENT EXECUTE FUNCTION iamdb_announce_table();

-- A revoked credential's role is dropped on its cluster before the store records it, so no node can still hand it
-- out; the announcement lets a node that keeps credentials in memory later drop them too.
CREATE FUNCTION iamdb_announce_credential() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('iamdb_changes', 'credential:' || NEW.request_id);
    RETURN NULL;
END $$;

CREATE TRIGGER redshift_credentials_revoked AFTER UPDATE ON redshift_credentials FOR EACH ROW
    WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION iamdb_announce_credential();
