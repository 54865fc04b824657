-- Fills a migrated Portcullis SQLite file with stored grants, their refresh tokens and revocations, for the
-- scaling scenarios of bench/run. Parameters (set with .parameter before reading this file):
--   :n       rows to add to each of grants, refresh_tokens and revocations
--   :client  clients.id the grants belong to          :usr  users.id the grants belong to
--   :now     unix seconds                              :active_every  1 row in this many revocations is active
-- Shape (chosen in docs/PERFORMANCE.md, "Scaling"):
--   grants: password grants made over the last 30 days; 1 in 7 was revoked (and has a `grant` revocation).
--   refresh_tokens: one per grant, a random 64-hex-digit token_hash (like SHA-256 of a real token), unused,
--     expiring 30 days after its grant (revoked with its grant).
--   revocations: 1 in :active_every is still active (revoked within the last 50 minutes, expires_at = revoked_at
--     + 3600, the access-token lifetime), the rest expired up to 30 days ago; kind `grant` for 1 in 7 (naming a
--     revoked grant), `token` (a random jti) otherwise.
-- Bulk-load settings for this connection only; the file goes back to WAL at the end (the server also sets it).
PRAGMA journal_mode = DELETE;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -600000;
BEGIN;
CREATE TEMP TABLE seed_base AS
  SELECT (SELECT coalesce(max(id), 0) FROM grants) AS g, (SELECT coalesce(max(id), 0) FROM refresh_tokens) AS r;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < :n)
INSERT INTO grants (id, workspace_id, client_row_id, user_id, scope, grant_type, created_at, revoked_at)
SELECT (SELECT g FROM seed_base) + i, 1, :client, :usr, '*', 'password', :now - (i * 7919) % 2592000,
       CASE WHEN i % 7 = 0 THEN :now - (i * 7919) % 2592000 + 60 END
FROM c;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < :n)
INSERT INTO refresh_tokens (id, grant_id, token_hash, parent_id, expires_at, used_at, revoked_at, created_at)
SELECT (SELECT r FROM seed_base) + i, (SELECT g FROM seed_base) + i, lower(hex(randomblob(32))), NULL,
       :now - (i * 7919) % 2592000 + 2592000, NULL,
       CASE WHEN i % 7 = 0 THEN :now - (i * 7919) % 2592000 + 60 END,
       :now - (i * 7919) % 2592000
FROM c;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < :n),
  t(i, revoked) AS (
    SELECT i, CASE WHEN i % :active_every = 0 THEN :now - (i * 13) % 3000
                   ELSE :now - 3601 - (i * 7919) % 2592000 END FROM c)
INSERT INTO revocations (kind, target, revoked_at, expires_at, recorded_at)
SELECT CASE WHEN i % 7 = 0 THEN 'grant' ELSE 'token' END,
       CASE WHEN i % 7 = 0 THEN CAST((SELECT g FROM seed_base) + i AS TEXT) ELSE lower(hex(randomblob(16))) END,
       revoked, revoked + 3600, revoked
FROM t;
DROP TABLE seed_base;
COMMIT;
PRAGMA journal_mode = WAL;
