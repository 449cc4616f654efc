"""``python -m fts_share`` runs the command line."""

from fts_share.cli import run

if __name__ == "__main__":
    run()
