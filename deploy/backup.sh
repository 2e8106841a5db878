#!/bin/sh
# Nightly backup of formsvc (run by deploy/systemd/formsvc-backup.timer): the PostgreSQL database
# in pg_dump's custom format and the uploaded attachments. Keeps $KEEP_DAYS days locally; copy
# $BACKUP_DIR off the machine as well (the static site needs no backup: it is rebuilt from git).
# Reads DATABASE_URL and FORMSVC_INSTANCE_PATH from the environment (/etc/portal/formsvc.env).
set -eu
BACKUP_DIR=${BACKUP_DIR:-${FORMSVC_INSTANCE_PATH:?}/backups}
KEEP_DAYS=${KEEP_DAYS:-14}
STAMP=$(date +%Y%m%d-%H%M%S)
mkdir -p "$BACKUP_DIR"
# pg_dump understands postgresql:// URLs, not SQLAlchemy's postgresql+psycopg://
pg_dump --format=custom --file="$BACKUP_DIR/formsvc-$STAMP.dump" \
    "$(printf '%s' "${DATABASE_URL:?}" | sed 's#^postgresql+psycopg://#postgresql://#')"
if [ -d "$FORMSVC_INSTANCE_PATH/uploads" ]; then
    tar -C "$FORMSVC_INSTANCE_PATH" -czf "$BACKUP_DIR/uploads-$STAMP.tar.gz" uploads
fi
find "$BACKUP_DIR" -maxdepth 1 -type f \( -name 'formsvc-*.dump' -o -name 'uploads-*.tar.gz' \) \
    -mtime +"$KEEP_DAYS" -delete
echo "backup written: $BACKUP_DIR/formsvc-$STAMP.dump"
