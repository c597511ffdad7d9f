-- Pinwheel Fates on PostgreSQL: the two roles (docs/OPERATIONS.md,
-- "The database's roles"). Run once per database, as a superuser, before
-- the first `pinwheel migrate`:
--
--   psql -v ON_ERROR_STOP=1 -v owner_password=... -v app_password=... \
--        -d pinwheel -f scripts/deploy/pg-roles.sql
--
-- pinwheel_owner owns the schema and every table: `pinwheel migrate` runs
-- as it (creating and altering tables needs ownership).
-- pinwheel_app is what `pinwheel serve` connects as. It owns nothing, so it
-- can neither disable the event log's append-only trigger (ALTER TABLE
-- needs ownership) nor change the schema, and pg-grants.sql gives it only
-- SELECT and INSERT on governance_events. (docker-compose.yml runs this
-- file through postgres-init.sh on the database's first start.)

CREATE ROLE pinwheel_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE pinwheel_app LOGIN PASSWORD :'app_password';

-- The schema the migrations create their tables in belongs to the owner;
-- nobody else may create anything in it.
ALTER SCHEMA public OWNER TO pinwheel_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO pinwheel_app;

-- Tables a later migration creates get the serving role's rights at once
-- (pg-grants.sql then narrows those of the event log).
ALTER DEFAULT PRIVILEGES FOR ROLE pinwheel_owner IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO pinwheel_app;
ALTER DEFAULT PRIVILEGES FOR ROLE pinwheel_owner IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO pinwheel_app;
