"""``python -m fts_share`` runs the command line."""

from fts_share.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
