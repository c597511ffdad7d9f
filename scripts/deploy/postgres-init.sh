#!/bin/sh
# Run by the official postgres image on the database's first start (it is
# mounted into /docker-entrypoint-initdb.d by docker-compose.yml): makes the
# owner and serving roles of pg-roles.sql with the passwords from the
# environment (.env; scripts/deploy/pinwheel.env.example).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
	-v owner_password="$PINWHEEL_OWNER_PASSWORD" \
	-v app_password="$PINWHEEL_APP_PASSWORD" \
	-f /pinwheel/pg-roles.sql
