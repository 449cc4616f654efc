"""Parser of the UN Security Council consolidated sanctions list (XML export).

``parse_un_xml(data)`` reads the whole export: individuals and entities of every
regime, names (FIRST..FOURTH_NAME, NAME_ORIGINAL_SCRIPT), aliases with their quality,
variant dates of birth, nationalities, documents, the listing date and the measures
of the regime (:data:`REGIME_MEASURES`). It returns plain dataclasses; storing them
is the caller's business.

Safety: documents with a DTD or entity declarations are refused before parsing (no
entity expansion, no external entities). Any malformed input raises
:class:`~fts_share.errors.ImportFailed` naming the line or the element; nothing is
returned partially.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from fts_share.errors import ImportFailed
from fts_share.matching.refdata.countries import resolve_country

#: Largest export accepted (bytes).
MAX_XML_BYTES = 200 * 1024 * 1024

ASSET_FREEZE, TRAVEL_BAN, ARMS_EMBARGO = "asset freeze", "travel ban", "arms embargo"

#: Reference prefix -> (sanctions regime, measures applying to listed persons).
REGIME_MEASURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "QD": ("ISIL (Da'esh) and Al-Qaida (resolutions 1267/1989/2253)",
           (ASSET_FREEZE, TRAVEL_BAN, ARMS_EMBARGO)),
    "TA": ("Taliban (resolution 1988)", (ASSET_FREEZE, TRAVEL_BAN, ARMS_EMBARGO)),
    "IQ": ("Iraq (resolution 1518)", (ASSET_FREEZE,)),
    "KP": ("DPRK (resolution 1718)", (ASSET_FREEZE, TRAVEL_BAN)),
    "CD": ("Democratic Republic of the Congo (resolution 1533)", (ASSET_FREEZE, TRAVEL_BAN)),
    "CF": ("Central African Republic (resolution 2127)", (ASSET_FREEZE, TRAVEL_BAN)),
    "LY": ("Libya (resolution 1970)", (ASSET_FREEZE, TRAVEL_BAN)),
    "SO": ("Al-Shabaab (resolution 2713)", (ASSET_FREEZE, TRAVEL_BAN, ARMS_EMBARGO)),
    "SS": ("South Sudan (resolution 2206)", (ASSET_FREEZE, TRAVEL_BAN)),
    "SD": ("Sudan (resolution 1591)", (ASSET_FREEZE, TRAVEL_BAN)),
    "YE": ("Yemen (resolution 2140)", (ASSET_FREEZE, TRAVEL_BAN, ARMS_EMBARGO)),
    "HT": ("Haiti (resolution 2653)", (ASSET_FREEZE, TRAVEL_BAN, ARMS_EMBARGO)),
    "GB": ("Guinea-Bissau (resolution 2048)", (TRAVEL_BAN,)),
}


@dataclass(frozen=True)
class UnAlias:
    """An alias with its quality (``Good``, ``Low``, ``a.k.a.``, ``f.k.a.``)."""

    name: str
    quality: str
    note: str = ""


@dataclass(frozen=True)
class UnDate:
    """A date-of-birth variant as listed (TYPE_OF_DATE EXACT/APPROXIMATELY/BETWEEN)."""

    type: str
    date: str = ""
    year: str = ""
    from_year: str = ""
    to_year: str = ""
    note: str = ""

    def as_dob(self) -> str | None:
        """The variant in the matching engine's syntax (``~1971``, ``1973-1974`` ...)."""
        approx = "~" if self.type == "APPROXIMATELY" else ""
        if self.from_year and self.to_year:
            return f"{self.from_year}-{self.to_year}"
        if self.date:
            return approx + self.date[:10]
        if self.year:
            return approx + self.year
        return None


@dataclass(frozen=True)
class UnDocument:
    """An identity document of a listed person."""

    type: str
    number: str
    issuing_country: str = ""
    date_of_issue: str = ""
    note: str = ""


@dataclass
class UnListEntry:
    """One listed individual or entity."""

    reference: str
    kind: str  # "individual" | "entity"
    list_type: str
    name: str
    name_original_script: str = ""
    aliases: list[UnAlias] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    designations: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    dates_of_birth: list[UnDate] = field(default_factory=list)
    places_of_birth: list[str] = field(default_factory=list)
    documents: list[UnDocument] = field(default_factory=list)
    listed_on: dt.date | None = None
    last_updated: list[str] = field(default_factory=list)
    gender: str = ""
    comments: str = ""
    dataid: str = ""
    version: str = ""

    @property
    def regime(self) -> str:
        """Reference prefix of the regime (``QD``, ``TA``, ``IQ`` ...)."""
        return self.reference[:2].upper()

    @property
    def measures(self) -> tuple[str, ...]:
        """Measures of the regime (asset freeze, travel ban, arms embargo)."""
        return REGIME_MEASURES.get(self.regime, ("", ()))[1]

    @property
    def regime_name(self) -> str:
        """Human name of the sanctions regime."""
        return REGIME_MEASURES.get(self.regime, (self.list_type, ()))[0]

    @property
    def nationality_codes(self) -> list[str]:
        """Nationalities as ISO alpha-3; a value the table does not know (a demonym it
        lacks, "former Soviet Union") is kept as written, and the matching ignores it."""
        codes = (resolve_country(n) or " ".join(n.split()) for n in self.nationalities)
        return list(dict.fromkeys(c for c in codes if c))

    def dob_variants(self) -> list[str]:
        """Dates of birth in the matching engine's syntax."""
        return [d for d in (x.as_dob() for x in self.dates_of_birth) if d]

    def all_names(self) -> list[str]:
        """Name, original script and every alias (a bilingual alias is split)."""
        names = [self.name, self.name_original_script]
        for alias in self.aliases:
            names.extend(split_alias(alias.name))
            names.extend(split_alias(note_original_script(alias.note)))
        return list(dict.fromkeys(n for n in names if n and n.strip()))


@dataclass
class UnList:
    """A parsed export: its generation time and its entries."""

    generated: dt.datetime | None
    entries: list[UnListEntry]


_ORIGINAL_SCRIPT = re.compile(r"^\s*original script\s*:\s*|\s*\(original script\)\s*",
                              re.IGNORECASE)


def _script_of(text: str) -> str:
    """The script of the letters of ``text`` that are not Latin (``latin`` if none)."""
    for ch in text:
        if "\u0600" <= ch <= "\u06ff":
            return "arabic"
        if "\u0400" <= ch <= "\u052f":
            return "cyrillic"
        if "\u3400" <= ch <= "\u9fff":
            return "han"
    return "latin"


def _top_level_split(text: str, sep: str = ";") -> list[str]:
    """``text`` split at ``sep`` outside parentheses."""
    pieces, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if ch == sep and depth == 0:
            pieces.append(text[start:i])
            start = i + 1
    pieces.append(text[start:])
    return [p.strip(" ,") for p in pieces if p.strip(" ,")]


def _trailing_group(text: str) -> tuple[str, str] | None:
    """``"head (inside)"`` -> ``("head", "inside")`` for a balanced final group."""
    if not text.endswith(")"):
        return None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += (text[i] == ")") - (text[i] == "(")
        if depth == 0:
            head = text[:i].strip(" ,")
            return (head, text[i + 1:-1].strip()) if head else None
    return None


def split_alias(text: str) -> list[str]:
    """One alias as the list writes it -> the names it holds.

    ``"أبو بكر البغدادي (Abu Bakr al-Baghdadi; Abu Bakr)"`` gives the three names;
    so do ``;``-separated lists ("Fazel Rahim; Fazil Rahim"), a name followed by its
    original script in brackets ("Jin Tiesan (金铁三)", "Amir Khazmat (original
    script: Амир Хазмат)") and nested lists of both. A bracket in the same script that
    is not a list ("Hajj Ibrahim (nickname)") stays part of the alias.
    """
    text = " ".join(text.split()).strip(" ,")
    names: list[str] = []
    for piece in _top_level_split(text):
        piece = _ORIGINAL_SCRIPT.sub(" ", piece).strip(" ,")
        group = _trailing_group(piece)
        if group is not None:
            head, inside = group
            is_list = len(_top_level_split(inside)) > 1
            if is_list or _script_of(head) != _script_of(inside) \
                    or _ORIGINAL_SCRIPT.search(inside):
                names += [head, *split_alias(inside)]
                continue
        if piece:
            names.append(piece)
    return list(dict.fromkeys(names))


def note_original_script(note: str) -> str:
    """The name in a NOTE "original script: Абу Банат", or ``""``."""
    m = re.match(r"\s*original script\s*:\s*(.+)", note, re.IGNORECASE)
    return " ".join(m.group(1).split()) if m else ""


def parse_un_xml(data: bytes | str) -> UnList:
    """Parse a whole UN consolidated list export (bytes or text)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_XML_BYTES:
        raise ImportFailed(f"UN list file larger than {MAX_XML_BYTES} bytes")
    head = raw[:4096].upper()
    if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in head:
        raise ImportFailed("UN list XML: DTDs and entity declarations are refused")
    try:
        root = ET.fromstring(raw, parser=ET.XMLParser())
    except ET.ParseError as exc:
        line, col = exc.position
        raise ImportFailed(f"UN list XML is malformed at line {line}, column {col}: {exc}",
                           line=line, column=col) from None
    if root.tag != "CONSOLIDATED_LIST":
        raise ImportFailed(f"not a UN consolidated list: root element <{root.tag}>")
    generated = _parse_generated(root.get("dateGenerated", ""))
    entries: list[UnListEntry] = []
    refs: set[str] = set()
    for group, kind in (("INDIVIDUALS", "individual"), ("ENTITIES", "entity")):
        for n, el in enumerate(root.findall(f"{group}/{kind.upper()}"), start=1):
            entry = _entry(el, kind, n)
            if entry.reference in refs:
                raise ImportFailed(f"duplicate REFERENCE_NUMBER {entry.reference}",
                                   element=kind.upper(), reference=entry.reference)
            refs.add(entry.reference)
            entries.append(entry)
    return UnList(generated, entries)


def load_un_xml(path: str) -> UnList:
    """Read and parse an export from a file path."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_XML_BYTES + 1)
    except OSError as exc:
        raise ImportFailed(f"cannot read {path}: {exc.strerror}") from None
    return parse_un_xml(data)


def _parse_generated(value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise ImportFailed(f"bad dateGenerated {value[:40]!r}",
                           element="CONSOLIDATED_LIST") from None


def _text(el: ET.Element | None, tag: str) -> str:
    found = el.find(tag) if el is not None else None
    return " ".join((found.text or "").split()) if found is not None and found.text else ""


def _values(el: ET.Element, tag: str) -> list[str]:
    return [" ".join(v.text.split()) for v in el.findall(f"{tag}/VALUE") if v.text
            and v.text.strip()]


def _listed_on(el: ET.Element, where: str) -> dt.date | None:
    listed_raw = _text(el, "LISTED_ON")
    try:
        return dt.date.fromisoformat(listed_raw[:10]) if listed_raw else None
    except ValueError:
        raise ImportFailed(f"{where}: bad LISTED_ON {listed_raw!r}", element="LISTED_ON",
                           reference=_text(el, "REFERENCE_NUMBER")) from None


def _aliases(el: ET.Element, kind: str) -> list[UnAlias]:
    return [UnAlias(_text(a, "ALIAS_NAME"), _text(a, "QUALITY"), _text(a, "NOTE"))
            for a in el.findall(f"{kind.upper()}_ALIAS") if _text(a, "ALIAS_NAME")]


def _dates_of_birth(el: ET.Element) -> list[UnDate]:
    return [UnDate(_text(d, "TYPE_OF_DATE"), _text(d, "DATE"), _text(d, "YEAR"),
                   _text(d, "FROM_YEAR"), _text(d, "TO_YEAR"), _text(d, "NOTE"))
            for d in el.findall("INDIVIDUAL_DATE_OF_BIRTH")
            if any(_text(d, t) for t in ("DATE", "YEAR", "FROM_YEAR"))]


def _places_of_birth(el: ET.Element) -> list[str]:
    pobs = [", ".join(t for t in (_text(pl, "CITY"), _text(pl, "STATE_PROVINCE"),
                                  _text(pl, "COUNTRY")) if t)
            for pl in el.findall("INDIVIDUAL_PLACE_OF_BIRTH")]
    return [p for p in pobs if p]


def _documents(el: ET.Element) -> list[UnDocument]:
    return [UnDocument(_text(d, "TYPE_OF_DOCUMENT"), _text(d, "NUMBER"),
                       _text(d, "ISSUING_COUNTRY") or _text(d, "COUNTRY_OF_ISSUE"),
                       _text(d, "DATE_OF_ISSUE"), _text(d, "NOTE"))
            for d in el.findall("INDIVIDUAL_DOCUMENT") if _text(d, "NUMBER")]


def _entry(el: ET.Element, kind: str, n: int) -> UnListEntry:
    where = f"{kind.upper()} #{n} (DATAID {_text(el, 'DATAID') or '?'})"
    ref = _text(el, "REFERENCE_NUMBER")
    if not re.fullmatch(r"[A-Z]{2}[ie]\.\d{3,4}", ref):
        raise ImportFailed(f"{where}: missing or bad REFERENCE_NUMBER {ref!r}",
                           element=kind.upper(), index=n)
    name = " ".join(t for t in (_text(el, f"{p}_NAME") for p in
                                ("FIRST", "SECOND", "THIRD", "FOURTH")) if t)
    if not name:
        raise ImportFailed(f"{where} {ref}: no FIRST_NAME", element=kind.upper(),
                           reference=ref)
    return UnListEntry(
        reference=ref, kind=kind, list_type=_text(el, "UN_LIST_TYPE"), name=name,
        name_original_script=_text(el, "NAME_ORIGINAL_SCRIPT"), aliases=_aliases(el, kind),
        titles=_values(el, "TITLE"), designations=_values(el, "DESIGNATION"),
        nationalities=_values(el, "NATIONALITY"), dates_of_birth=_dates_of_birth(el),
        places_of_birth=_places_of_birth(el), documents=_documents(el),
        listed_on=_listed_on(el, f"{where} {ref}"),
        last_updated=_values(el, "LAST_DAY_UPDATED"), gender=_text(el, "GENDER"),
        comments=_text(el, "COMMENTS1"), dataid=_text(el, "DATAID"),
        version=_text(el, "VERSIONNUM"),
    )
