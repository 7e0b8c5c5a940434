#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an empty database (made with createdb) and a media folder.
#
#   createdb -h HOST -U USER returns_restored
#   DATABASE_URL=postgres://USER@HOST:5432/returns_restored MEDIA_ROOT=/srv/returns/media scripts/restore.sh /backups/2026-12-04
#
# One transaction: a restore that fails half-way leaves the database empty, never half restored.
set -euo pipefail

src="${1:?usage: scripts/restore.sh DIRECTORY}"
: "${DATABASE_URL:?set DATABASE_URL to the empty database to restore into}"

pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$DATABASE_URL" "$src/returns.dump"

if [ -f "$src/media.tar.gz" ]; then
    : "${MEDIA_ROOT:?set MEDIA_ROOT to the folder the uploaded files go back into}"
    mkdir -p "$MEDIA_ROOT"
    tar --extract --gzip --file="$src/media.tar.gz" --directory="$MEDIA_ROOT"
fi
echo "restore: $src restored"
