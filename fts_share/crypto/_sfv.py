"""A strict parser and serialiser for the RFC 8941 Structured Field Values that
RFC 9421 and RFC 9530 use: dictionaries whose members are items or inner lists, with
parameters; bare items of type integer, decimal, string, token, byte sequence and
boolean. Private to :mod:`fts_share.crypto.httpsig`; every failure is ``ValueError``.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import Union

BareItem = Union[int, float, str, bytes, bool, "Token"]


class Token(str):
    """An sf-token (distinct from an sf-string)."""


@dataclass
class Member:
    """A dictionary member: an item (``value``) or an inner list (``items``)."""

    value: BareItem | None = None
    items: list[tuple[BareItem, dict[str, BareItem]]] | None = None
    params: dict[str, BareItem] = field(default_factory=dict)


_KEY_RE = re.compile(r"[a-z*][a-z0-9_.*-]*")
_TOKEN_RE = re.compile(r"[A-Za-z*][A-Za-z0-9!#$%&'*+.^_`|~:/-]*")
_NUMBER_RE = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,3})?")
_BINARY_RE = re.compile(r"[A-Za-z0-9+/=]*")
_MAX_FIELD = 8192


class _Parser:
    def __init__(self, text: str) -> None:
        if len(text) > _MAX_FIELD or not text.isascii():
            raise ValueError("field too long or not ASCII")
        self.s, self.i = text, 0

    def peek(self) -> str:
        return self.s[self.i] if self.i < len(self.s) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise ValueError(f"expected {char!r} at {self.i}")
        self.i += 1

    def skip(self, chars: str) -> None:
        while self.peek() and self.peek() in chars:
            self.i += 1

    def match(self, pattern: re.Pattern[str]) -> str:
        m = pattern.match(self.s, self.i)
        if not m or not m.group(0):
            raise ValueError(f"unexpected input at {self.i}")
        self.i = m.end()
        return m.group(0)

    def bare_item(self) -> BareItem:
        c = self.peek()
        if c == "-" or c.isdigit():
            text = self.match(_NUMBER_RE)
            return float(text) if "." in text else int(text)
        if c == '"':
            return self.string()
        if c == ":":
            return self.byte_sequence()
        if c == "?":
            return self.boolean()
        return Token(self.match(_TOKEN_RE))

    def string(self) -> str:
        """A quoted string (the opening quote is next)."""
        self.i += 1
        out: list[str] = []
        while True:
            ch = self.peek()
            if not ch:
                raise ValueError("unterminated string")
            self.i += 1
            if ch == '"':
                return "".join(out)
            if ch == "\\":
                ch = self.peek()
                if ch not in ('"', "\\"):
                    raise ValueError("bad escape")
                self.i += 1
            elif not " " <= ch <= "~":
                raise ValueError("bad character in string")
            out.append(ch)

    def byte_sequence(self) -> bytes:
        """A byte sequence ``:base64:`` (the opening colon is next)."""
        self.i += 1
        end = self.s.find(":", self.i)
        if end < 0 or not _BINARY_RE.fullmatch(self.s, self.i, end):
            raise ValueError("bad byte sequence")
        try:
            data = base64.b64decode(self.s[self.i:end], validate=True)
        except binascii.Error:
            raise ValueError("bad base64") from None
        self.i = end + 1
        return data

    def boolean(self) -> bool:
        """A boolean ``?0`` or ``?1`` (the question mark is next)."""
        self.i += 1
        flag = self.peek()
        if flag not in ("0", "1"):
            raise ValueError("bad boolean")
        self.i += 1
        return flag == "1"

    def params(self) -> dict[str, BareItem]:
        out: dict[str, BareItem] = {}
        while self.peek() == ";":
            self.i += 1
            self.skip(" ")
            key = self.match(_KEY_RE)
            value: BareItem = True
            if self.peek() == "=":
                self.i += 1
                value = self.bare_item()
            if key in out:
                raise ValueError(f"duplicate parameter {key}")
            out[key] = value
        return out

    def member(self) -> Member:
        if self.peek() != "(":
            value = self.bare_item()
            return Member(value=value, params=self.params())
        self.i += 1
        items: list[tuple[BareItem, dict[str, BareItem]]] = []
        while True:
            self.skip(" ")
            if self.peek() == ")":
                self.i += 1
                return Member(items=items, params=self.params())
            items.append((self.bare_item(), self.params()))
            if self.peek() not in (" ", ")"):
                raise ValueError("bad inner list")


def parse_dictionary(text: str) -> dict[str, Member]:
    """Parse an sf-dictionary; duplicate keys are refused (stricter than RFC 8941)."""
    p = _Parser(text)
    out: dict[str, Member] = {}
    p.skip(" ")
    while p.peek():
        key = p.match(_KEY_RE)
        if p.peek() == "=":
            p.i += 1
            member = p.member()
        else:
            member = Member(value=True, params=p.params())
        if key in out:
            raise ValueError(f"duplicate dictionary key {key}")
        out[key] = member
        p.skip(" \t")
        if not p.peek():
            break
        p.expect(",")
        p.skip(" \t")
        if not p.peek():
            raise ValueError("trailing comma")
    return out


def serialize_bare(value: BareItem) -> str:
    """Serialise a bare item (integers, strings, tokens, bytes, booleans)."""
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Token):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    raise ValueError("unsupported item type")


def serialize_params(params: dict[str, BareItem]) -> str:
    """Serialise parameters in their order (``;key=value``; ``;key`` for true)."""
    return "".join(f";{k}" if v is True else f";{k}={serialize_bare(v)}"
                   for k, v in params.items())


def serialize_inner_list(items: list[tuple[BareItem, dict[str, BareItem]]],
                         params: dict[str, BareItem]) -> str:
    """Serialise an inner list with its parameters."""
    inner = " ".join(serialize_bare(v) + serialize_params(p) for v, p in items)
    return f"({inner})" + serialize_params(params)
