#!/bin/sh
# Nightly backup of formsvc (run by deploy/systemd/formsvc-backup.timer).
#
# 1. `flask --app formsvc backup`: one archive with every table (a consistent snapshot taken while
#    the service runs), the attachments and a manifest of row counts and SHA-256 sums. Engine-
#    independent: `flask --app formsvc restore FILE` loads it into a new SQLite or PostgreSQL
#    database and verifies it (docs/operations.md, "备份与恢复").
# 2. On PostgreSQL, when pg_dump is installed, also a pg_dump custom-format dump: a second,
#    independent copy restored with pg_restore.
#
# Keeps $KEEP_DAYS days locally; copy $BACKUP_DIR off the machine as well (the static site needs
# no backup: it is rebuilt from git). Reads DATABASE_URL and FORMSVC_INSTANCE_PATH from the
# environment (/etc/portal/formsvc.env). Run from the application directory (/srv/portal/app).
set -eu
BACKUP_DIR=${BACKUP_DIR:-${FORMSVC_INSTANCE_PATH:?}/backups}
KEEP_DAYS=${KEEP_DAYS:-14}
FLASK=${FLASK:-$(dirname "$0")/../.venv/bin/flask}
STAMP=$(date +%Y%m%d-%H%M%S)
mkdir -p "$BACKUP_DIR"
umask 077  # the archives hold personal data

"$FLASK" --app formsvc.server.wsgi backup "$BACKUP_DIR/formsvc-$STAMP.tar.gz"

case "${DATABASE_URL:-}" in
postgres*)
    if command -v pg_dump >/dev/null 2>&1; then
        # pg_dump understands postgresql:// URLs, not SQLAlchemy's postgresql+psycopg://
        pg_dump --format=custom --file="$BACKUP_DIR/formsvc-$STAMP.dump" \
            "$(printf '%s' "$DATABASE_URL" | sed 's#^postgresql+psycopg://#postgresql://#')"
        echo "pg_dump written: $BACKUP_DIR/formsvc-$STAMP.dump"
    fi
    ;;
esac

find "$BACKUP_DIR" -maxdepth 1 -type f \
    \( -name 'formsvc-*.tar.gz' -o -name 'formsvc-*.dump' -o -name 'uploads-*.tar.gz' \) \
    -mtime +"$KEEP_DAYS" -delete
echo "backup written: $BACKUP_DIR/formsvc-$STAMP.tar.gz"
