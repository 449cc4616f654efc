"""A node home: what `fts-share init` writes, and how users and tokens behave."""

from __future__ import annotations

import json
import os
import shutil
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from fts_share.clock import utcnow
from fts_share.config import load_config
from fts_share.errors import ConfigError, Unauthenticated, ValidationError
from fts_share.matching import MatchConfig
from fts_share.services import accounts
from fts_share.services.node import Node, init_home
from fts_share.services.unit import Work
from fts_share.storage.account_tables import Token


def test_init_writes_config_keys_and_database(tmp_path: Path, store_url: str) -> None:
    home = tmp_path / "fra"
    init_home(home, code="FRA", url="http://127.0.0.1:9", database_url=store_url)
    cfg = load_config(home)
    assert (cfg.code, cfg.url) == ("FRA", "http://127.0.0.1:9")
    for rel in (cfg.signing_key, cfg.encryption_key, cfg.pq_encryption_key, cfg.storage_key,
                cfg.secret_key_file):
        mode = stat.S_IMODE(os.stat(cfg.path(rel)).st_mode)  # type: ignore[arg-type]
        assert mode == 0o600, rel
    public = json.loads((home / "keys" / "public.json").read_text())
    assert public["code"] == "FRA" and public["signing"]["kind"] == "ed25519"
    assert {k["kind"] for k in public["encryption"]} == {"x25519", "mlkem768x25519"}
    assert "private" not in json.dumps(public).lower()
    with pytest.raises(ConfigError):
        init_home(home, code="FRA", url="http://127.0.0.1:9")


def test_home_is_relocatable(tmp_path: Path) -> None:
    init_home(tmp_path / "a", code="IRQ", url="http://127.0.0.1:9")
    node = Node.open(tmp_path / "a")
    kid = node.signing.kid
    with node.store.transaction() as s:
        accounts.create_user(Work(s, utcnow(), node), name="ali", role="officer")
    node.close()
    shutil.move(str(tmp_path / "a"), str(tmp_path / "b"))
    moved = Node.open(tmp_path / "b")
    assert moved.signing.kid == kid
    assert moved.store.url.startswith(f"sqlite:///{tmp_path / 'b'}")
    moved.close()


def test_passphrase_protects_the_private_keys(tmp_path: Path) -> None:
    init_home(tmp_path / "n", code="JOR", url="http://127.0.0.1:9", passphrase=b"correct horse")
    assert b"ENCRYPTED" in (tmp_path / "n" / "keys" / "signing.pem").read_bytes()
    with pytest.raises(ConfigError):
        Node.open(tmp_path / "n", passphrase=b"wrong")
    Node.open(tmp_path / "n", passphrase=b"correct horse").close()


@pytest.mark.parametrize("code,url", [("fr", "http://x"), ("FRA", "ftp://x"), ("FRANCE", "http://x")])
def test_init_refuses_bad_codes_and_urls(tmp_path: Path, code: str, url: str) -> None:
    with pytest.raises(ConfigError):
        init_home(tmp_path / "x", code=code, url=url)
    assert not (tmp_path / "x" / "config.toml").exists()


def test_config_refuses_unknown_settings(tmp_path: Path) -> None:
    init_home(tmp_path / "n", code="FRA", url="http://127.0.0.1:9", post_quantum=False)
    path = tmp_path / "n" / "config.toml"
    path.write_text(path.read_text() + "\n[federation]\npoll_intervall = 3\n")
    with pytest.raises(ConfigError, match="federation"):
        load_config(tmp_path / "n")


@pytest.mark.parametrize("value", ["-1", "36501", "1.5", "true", '"90"'])
def test_token_days_is_validated(tmp_path: Path, value: str) -> None:
    init_home(tmp_path / "n", code="FRA", url="http://127.0.0.1:9", post_quantum=False)
    assert load_config(tmp_path / "n").api.token_days == 90  # written with its default
    path = tmp_path / "n" / "config.toml"
    path.write_text(path.read_text().replace("token_days = 90", "token_days = 0"))
    assert load_config(tmp_path / "n").api.token_days == 0
    path.write_text(path.read_text().replace("token_days = 0", f"token_days = {value}"))
    with pytest.raises(ConfigError, match="api.token_days"):
        load_config(tmp_path / "n")


def test_matching_settings_set_the_engine_thresholds(tmp_path: Path) -> None:
    """``[matching]``: the alerting threshold, the officer's search threshold and other
    engine options reach the node's match configuration; unset, the engine's own."""
    init_home(tmp_path / "n", code="FRA", url="http://127.0.0.1:9", post_quantum=False)
    default = Node.open(tmp_path / "n")
    assert default.match_config == MatchConfig()
    assert default.match_config.search_threshold < default.match_config.threshold
    default.close()
    path = tmp_path / "n" / "config.toml"
    path.write_text(path.read_text().replace(
        "[matching]", "[matching]\nthreshold = 0.7\nsearch_threshold = 0.5\n"
        "options = {dob_mismatch = -0.2}"))
    node = Node.open(tmp_path / "n")
    cfg = node.match_config
    assert (cfg.threshold, cfg.search_threshold, cfg.dob_mismatch) == (0.7, 0.5, -0.2)
    node.close()


@pytest.mark.parametrize("setting,error", [
    ("threshold = 1.5", "matching.threshold"), ("search_threshold = true", "matching.search_threshold"),
    ('threshold = "0.7"', "matching.threshold"), ("options = {thresold = 0.7}", "thresold"),
    ("options = {threshold = 0.7}", "matching.options"),
    ("options = {min_part_similarity = \"x\"}", "matching")])
def test_bad_matching_settings_are_refused_naming_them(tmp_path: Path, setting: str,
                                                       error: str) -> None:
    init_home(tmp_path / "n", code="FRA", url="http://127.0.0.1:9", post_quantum=False)
    path = tmp_path / "n" / "config.toml"
    path.write_text(path.read_text().replace("[matching]", f"[matching]\n{setting}"))
    with pytest.raises(ConfigError, match=error):
        Node.open(tmp_path / "n").close()


def test_tokens_are_stored_hashed_and_checked(store) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    with store.transaction() as s:
        user = accounts.create_user(Work(s, now, None), name="amina", role="reviewer")  # type: ignore[arg-type]
        token = accounts.issue_token(Work(s, now, None), user,  # type: ignore[arg-type]
                                     expires=now + timedelta(days=1))
    with store.read() as s:
        rows = s.scalars(select(Token)).all()
        assert len(rows) == 1 and token not in rows[0].token_hash
        assert accounts.authenticate(Work(s, now, None), token).name == "amina"  # type: ignore[arg-type]
        for bad in (token + "x", "fts_" + "A" * 43, "", "Bearer " + token):
            with pytest.raises(Unauthenticated):
                accounts.authenticate(Work(s, now, None), bad)  # type: ignore[arg-type]
        with pytest.raises(Unauthenticated):
            accounts.authenticate(Work(s, now + timedelta(days=2), None), token)  # type: ignore[arg-type]
    with store.transaction() as s, pytest.raises(ValidationError):
        accounts.create_user(Work(s, now, None), name="x", role="superuser")  # type: ignore[arg-type]
