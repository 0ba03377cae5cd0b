-- Per-cluster security settings (issue 12). Existing clusters get the defaults a new registration would:
-- verify-full, or require for a loopback host (127.0.0.0/8, ::1, localhost).
ALTER TABLE redshift_clusters ADD COLUMN ssl_mode text COLLATE "C" NOT NULL DEFAULT 'verify-full';
ALTER TABLE redshift_clusters ADD COLUMN ssl_root_certificate text COLLATE "C";
ALTER TABLE redshift_clusters ADD COLUMN allowed_db_groups text COLLATE "C" NOT NULL DEFAULT '[]';
ALTER TABLE redshift_clusters ADD COLUMN allow_privileged_db_users bigint NOT NULL DEFAULT 0;
UPDATE redshift_clusters SET ssl_mode = 'require'
WHERE lower(host) IN ('localhost', 'localhost.', '::1', '[::1]')
   OR host ~ '^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$';
