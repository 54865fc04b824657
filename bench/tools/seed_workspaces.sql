-- Fills a migrated Portcullis SQLite file with workspaces, their clients and their users, for the "workspaces"
-- scaling scenario of bench/run. Parameters (set with .parameter before reading this file):
--   :workspaces  workspaces in all, `workflow` included: ws-0002 .. ws-NNNN are added (a name that already exists,
--                such as the middle one bench/run makes with the CLI first, is kept as it is)
--   :clients     clients per workspace, its Personal Access Client included (a workspace without one is left one
--                short: `portcullis migrate` afterwards registers it the normal way)
--   :users       users per workspace
--   :now         unix seconds              :hash  the password_hash of every seeded user (one bcrypt string)
-- Every workspace is filled up to :clients and :users, counting the rows it already has (workflow's admin, the
-- benchmark's CLI-made client and users). Shape of what is added:
--   clients: 1 in 3 confidential with password and client credentials, 1 in 3 confidential with authorization code
--     and a redirect URI, 1 in 3 public (PKCE) with authorization code; random 32-letter client ids and random
--     64-hex-digit secret hashes (nobody authenticates as them).
--   users: user001 .. user100 in each workspace (the same names in every workspace, as unique as the schema asks);
--     user001 is a super admin where the workspace has none; user002 .. user010 hold view-users and
--     view-auth_clients, user002 .. user004 also create-users and edit-users; 1 in 20 is inactive.
-- The triggers record a change for each permission row; those are deleted at the end (the data is old, not news
-- for the mirrors). Bulk-load settings for this connection only; the file goes back to WAL at the end.
PRAGMA journal_mode = DELETE;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -200000;
BEGIN;
CREATE TEMP TABLE seed_base AS SELECT (SELECT coalesce(max(id), 0) FROM mirror_changes) AS m;
WITH RECURSIVE c(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM c WHERE i < :workspaces)
INSERT OR IGNORE INTO workspaces (name, created_at, max_personal_token_days)
SELECT printf('ws-%04d', i), :now - 86400 * (i % 700) - 3600, NULL FROM c;

-- how many clients and users each workspace still needs
CREATE TEMP TABLE seed_need AS
SELECT w.id AS wid, w.name AS wname,
       :clients - (SELECT count(*) FROM clients x WHERE x.workspace_id = w.id)
         - CASE WHEN EXISTS (SELECT 1 FROM clients x WHERE x.workspace_id = w.id AND x.grants & 4) THEN 0 ELSE 1 END
         AS clients_needed,
       (SELECT count(*) FROM clients x WHERE x.workspace_id = w.id) AS clients_had,
       :users - (SELECT count(*) FROM users u WHERE u.workspace_id = w.id) AS users_needed,
       EXISTS (SELECT 1 FROM users u WHERE u.workspace_id = w.id AND u.is_super_admin) AS has_admin
FROM workspaces w;

WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < :clients),
  k(wid, wname, i, cid) AS (
    SELECT n.wid, n.wname, n.clients_had + c.i,
           replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(hex(randomblob(16)),
             '0', 'G'), '1', 'H'), '2', 'I'), '3', 'J'), '4', 'K'), '5', 'L'), '6', 'M'), '7', 'N'), '8', 'O'), '9', 'P')
    FROM seed_need n JOIN c ON c.i <= n.clients_needed)
INSERT INTO clients (workspace_id, client_id, name, name_key, description, website, redirect_uris, grants,
                     is_confidential, secret_hash, owner_user_id, skip_consent, created_at, updated_at, may_introspect)
SELECT wid, cid, printf('App %02d of %s', i, wname), lower(printf('App %02d of %s', i, wname)),
       'Seeded by bench/tools/seed_workspaces.sql', printf('https://app%02d.%s.example', i, wname),
       CASE WHEN i % 3 = 1 THEN '[]' ELSE printf('["https://app%02d.%s.example/callback"]', i, wname) END,
       CASE WHEN i % 3 = 1 THEN 10 ELSE 1 END,
       CASE WHEN i % 3 = 0 THEN 0 ELSE 1 END,
       CASE WHEN i % 3 = 0 THEN NULL ELSE lower(hex(randomblob(32))) END,
       NULL, 0, :now - 3600 * i, :now - 3600 * i, 0
FROM k ORDER BY wid, i;

WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < :users),
  s(wid, wname, i, has_admin) AS (SELECT n.wid, n.wname, c.i, n.has_admin FROM seed_need n JOIN c ON c.i <= n.users_needed)
INSERT INTO users (workspace_id, uid, username, username_key, email, first_name, last_name, password_hash,
                   is_super_admin, is_active, created_at, updated_at, token_version)
SELECT wid, lower(hex(randomblob(16))), printf('user%03d', i), printf('user%03d', i),
       printf('user%03d@%s.example', i, wname), 'User', printf('%03d of %s', i, wname), :hash,
       CASE WHEN i = 1 AND NOT has_admin THEN 1 ELSE 0 END, CASE WHEN i % 20 = 0 THEN 0 ELSE 1 END,
       :now - 600 * i, :now - 600 * i, 0
FROM s ORDER BY wid, i;

INSERT INTO user_permissions (user_id, permission)
SELECT u.id, p.permission FROM users u
JOIN (SELECT 'view-users' AS permission, 10 AS upto UNION ALL SELECT 'view-auth_clients', 10
      UNION ALL SELECT 'create-users', 4 UNION ALL SELECT 'edit-users', 4) p
  ON u.username_key BETWEEN 'user002' AND printf('user%03d', p.upto)
WHERE u.username_key GLOB 'user[0-9][0-9][0-9]';
DELETE FROM mirror_changes WHERE id > (SELECT m FROM seed_base);
DROP TABLE seed_need;
DROP TABLE seed_base;
COMMIT;
PRAGMA journal_mode = WAL;
