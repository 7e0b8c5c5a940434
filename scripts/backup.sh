#!/usr/bin/env bash
# Back up the back office into one folder: the database as a pg_dump custom-format archive
# (returns.dump) and the uploaded files (photos, receipts, exports) as media.tar.gz.
#
#   DATABASE_URL=postgres://USER@HOST:5432/returns MEDIA_ROOT=/srv/returns/media scripts/backup.sh /backups/2026-12-04
#
# pg_dump reads one consistent snapshot while the site keeps running. The media folder is archived
# after the dump, so every file the dump names is in the archive (a newer one is merely extra).
# docs/backups.md describes the schedule, the restore and the restore drill.
set -euo pipefail

dest="${1:?usage: scripts/backup.sh DIRECTORY}"
: "${DATABASE_URL:?set DATABASE_URL to the database to back up}"
mkdir -p "$dest"

pg_dump --format=custom --compress=6 --no-owner --no-privileges --file="$dest/returns.dump" --dbname="$DATABASE_URL"
# A dump that pg_restore cannot read is no backup: find out now, not on the day it is needed.
pg_restore --list "$dest/returns.dump" >/dev/null

if [ -n "${MEDIA_ROOT:-}" ] && [ -d "$MEDIA_ROOT" ]; then
    tar --create --gzip --file="$dest/media.tar.gz" --directory="$MEDIA_ROOT" .
else
    echo "backup: no MEDIA_ROOT folder (${MEDIA_ROOT:-unset}): the database only" >&2
fi
echo "backup: written to $dest"
