# fts-share node image: `fts-share serve` over PostgreSQL with several workers.
# Used by compose.yaml (README, "Operations"); the tests do not need it.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --system --uid 10001 --user-group --home-dir /srv/fts --create-home fts

WORKDIR /opt/fts-share
COPY pyproject.toml setup.cfg README.md ./
COPY fts_share ./fts_share
RUN pip install ".[postgresql]"

COPY deploy/entrypoint.sh /usr/local/bin/fts-entrypoint
RUN chmod 0755 /usr/local/bin/fts-entrypoint

USER fts
WORKDIR /srv/fts
VOLUME ["/srv/fts"]
EXPOSE 8080

# Liveness: /healthz answers while the process runs (it does not touch the database).
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('FTS_PORT', '8080'), timeout=2)"

ENTRYPOINT ["fts-entrypoint"]
CMD ["serve"]
