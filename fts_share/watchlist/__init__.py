"""Watchlist file parsers: the UN SC consolidated list (XML) and national lists (CSV).

Pure parsers that return dataclasses; importing them into storage (one transaction,
re-import updates and delists) is done by the storage layer.
"""

from fts_share.watchlist.csv_list import WatchlistEntry, parse_watchlist_csv
from fts_share.watchlist.un_xml import (
    REGIME_MEASURES,
    UnAlias,
    UnDate,
    UnDocument,
    UnList,
    UnListEntry,
    load_un_xml,
    parse_un_xml,
    split_alias,
)

__all__ = [
    "REGIME_MEASURES", "UnAlias", "UnDate", "UnDocument", "UnList", "UnListEntry",
    "WatchlistEntry", "load_un_xml", "parse_un_xml", "parse_watchlist_csv", "split_alias",
]
