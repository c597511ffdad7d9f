-- Pinwheel Fates on PostgreSQL: what the serving role may do to each table
-- (docs/OPERATIONS.md, "The database's roles"). Run as pinwheel_owner after
-- every `pinwheel migrate` (it is idempotent):
--
--   psql -v ON_ERROR_STOP=1 -d pinwheel -U pinwheel_owner -f scripts/deploy/pg-grants.sql
--
-- pinwheel_app reads and writes the league's tables, but the event log and
-- the season archives are append-only (SELECT, INSERT: their triggers
-- refuse UPDATE and DELETE too, and bind this role because it does not own
-- them), and only the migrations, run as the owner, write schema_version.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO pinwheel_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO pinwheel_app;
REVOKE UPDATE, DELETE, TRUNCATE ON governance_events, season_archives FROM pinwheel_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_version FROM pinwheel_app;
