#!/bin/sh
# The node container's entry point (Dockerfile, compose.yaml).
#   serve (default): create the node home on first start, bring the database to the
#                    current schema, then `fts-share serve HOME --workers N`.
#   anything else:   `fts-share "$@"` (e.g. `roster import /srv/fts/node roster.json`).
# Environment: FTS_NODE and FTS_URL (first start), FTS_SHARE_DATABASE_URL (PostgreSQL;
# kept out of the home's config.toml), FTS_HOME (/srv/fts/node), FTS_PORT (8080),
# FTS_WORKERS (3), PROMETHEUS_MULTIPROC_DIR (emptied at each start),
# FTS_SHARE_KEY_PASSPHRASE (optional).
set -eu

home="${FTS_HOME:-/srv/fts/node}"

if [ "${1:-serve}" != "serve" ]; then
    exec fts-share "$@"
fi

: "${FTS_SHARE_DATABASE_URL:?set FTS_SHARE_DATABASE_URL to the PostgreSQL database}"
if [ ! -f "$home/config.toml" ]; then
    fts-share init "$home" --node "${FTS_NODE:?set FTS_NODE (e.g. FRA)}" \
        --url "${FTS_URL:?set FTS_URL (the URL partners reach this node at)}"
fi
fts-share migrate "$home"

if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    # multiprocess metrics: the folder must be empty when the workers start
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
    find "$PROMETHEUS_MULTIPROC_DIR" -mindepth 1 -delete
fi

exec fts-share serve "$home" --host 0.0.0.0 --port "${FTS_PORT:-8080}" \
    --workers "${FTS_WORKERS:-3}"
