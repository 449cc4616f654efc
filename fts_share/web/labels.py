"""Translated labels of the closed vocabularies (and of the schema's messages).

Values stay as they are on the wire; only what a page shows is translated. A value
with no label is shown as is.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from fts_share.web.messages import translate

VOCABULARIES: dict[str, dict[str, Any]] = {
    "movement": {"departure": _l("Departure"), "transit": _l("Transit"),
                 "arrival": _l("Arrival"), "attempted_crossing": _l("Attempted crossing"),
                 "detention": _l("Detention"), "release": _l("Release"),
                 "return": _l("Return or repatriation"), "relocation": _l("Relocation"),
                 "death_reported": _l("Death reported")},
    "sex": {"male": _l("Male"), "female": _l("Female"), "unknown": _l("Unknown")},
    "build": {"slim": _l("Slim"), "medium": _l("Medium"), "heavy": _l("Heavy"),
              "muscular": _l("Muscular")},
    "doc": {"passport": _l("Passport"), "id_card": _l("Identity card"),
            "travel_document": _l("Travel document"), "visa": _l("Visa"),
            "other": _l("Other")},
    "name_kind": {"primary": _l("Name as written"), "spelling": _l("Other spelling"),
                  "alias": _l("Alias"), "kunya": _l("Kunya"),
                  "nom_de_guerre": _l("Nom de guerre"), "former": _l("Former name")},
    "audience": {"named": _l("Named partners"), "all-members": _l("All members"),
                 "members-and-observers": _l("Members and observers")},
    "caveat": {"ct-only": _l("Counter-terrorism use only"),
               "no-judicial-use": _l("Not for judicial proceedings without consent"),
               "no-onward-dissemination": _l("No onward dissemination without consent"),
               "other": _l("Other restrictions")},
    "purpose": {"investigation": _l("Investigation"), "border_screening": _l("Border screening"),
                "sanctions_implementation": _l("Sanctions implementation"),
                "prosecution": _l("Prosecution")},
    "status": {"active": _l("Active"), "superseded": _l("Superseded"),
               "withdrawn": _l("Withdrawn"), "purged": _l("Purged"), "new": _l("New"),
               "confirmed": _l("Confirmed"), "dismissed": _l("Dismissed")},
    "field": {"decision": _l("Decision"), "reason": _l("Reason"),
              "note": _l("Note for the origin")},
    "hit_state": {"confirmed": _l("Hit confirmed"), "withdrawn": _l("Hit withdrawn")},
    "link": {"supersedes": _l("Supersedes"), "same-subject": _l("Same subject"),
             "hit": _l("Hit")},
    "decision": {"confirmed": _l("Confirmed"), "dismissed": _l("Dismissed"),
                 "reopened": _l("Reopened")},
    "alert_kind": {"match": _l("Match"), "travel_ban_hit": _l("Travel ban hit"),
                   "sanctions_hit": _l("Sanctions list hit")},
    "linked_by": {"opened": _l("opened the alert"), "same_notice": _l("a new version"),
                  "document": _l("a shared document number"),
                  "score": _l("a very close match")},
    "role": {"given": _l("given name"), "father": _l("father's name (nasab)"),
             "family": _l("family name"), "kunya": _l("kunya"), "nisba": _l("nisba (origin)"),
             "laqab": _l("laqab (epithet)"), "title": _l("title")},
    "legal_basis": {"UNSCR-1267": _l("UNSCR 1267 (1999): ISIL and Al-Qaida sanctions"),
                    "UNSCR-1989": _l("UNSCR 1989 (2011): ISIL and Al-Qaida sanctions"),
                    "UNSCR-2253": _l("UNSCR 2253 (2015): ISIL (Da'esh) sanctions"),
                    "UNSCR-2368": _l("UNSCR 2368 (2017): ISIL (Da'esh) sanctions"),
                    "UNSCR-2178": _l("UNSCR 2178 (2014): foreign terrorist fighters"),
                    "UNSCR-2396": _l("UNSCR 2396 (2017): returning and relocating FTFs"),
                    "UNSCR-1373": _l("UNSCR 1373 (2001): counter-terrorism duties")},
    "outcome": {"ok": _l("ok"), "refused": _l("refused"), "error": _l("error")},
    "measure": {"assets_freeze": _l("Asset freeze"), "travel_ban": _l("Travel ban"),
                "arms_embargo": _l("Arms embargo")},
    "source": {"un": _l("UN list"), "national": _l("national list"),
               "notice": _l("received notice"), "unknown": _l("unknown source")},
    "object_type": {"alert": _l("alert"), "audit_log": _l("audit log"),
                    "endpoint": _l("endpoint"), "envelope": _l("envelope"),
                    "feed-page": _l("feed page"), "hit": _l("hit report"),
                    "key": _l("key"), "list_entry": _l("list entry"), "node": _l("node"),
                    "notice": _l("notice"), "notice_search": _l("search of received notices"),
                    "page": _l("page"), "peer_log": _l("partner's log"),
                    "remote_screening": _l("screening by a partner"),
                    "reported_finding": _l("reported finding"), "roster": _l("roster"),
                    "screening": _l("screening"), "session": _l("session"),
                    "shared_copy": _l("shared copy"), "source": _l("request source"),
                    "tree_head": _l("tree head"),
                    "user": _l("user"), "watchlist": _l("watchlist")},
}
# The UN list writes its measures as words, the API as codes: both are labelled.
VOCABULARIES["measure"].update({"asset freeze": VOCABULARIES["measure"]["assets_freeze"],
                                "travel ban": VOCABULARIES["measure"]["travel_ban"],
                                "arms embargo": VOCABULARIES["measure"]["arms_embargo"]})
ACTIONS = {
    "publish": _l("publish"), "update": _l("update"), "withdraw": _l("withdraw"),
    "deliver": _l("deliver"), "receive": _l("receive"), "reject": _l("reject"),
    "open": _l("open"), "screen": _l("screen"), "screen_batch": _l("screen a batch"),
    "match_created": _l("match created"), "match_decided": _l("match decided"),
    "export": _l("export"), "share": _l("share"), "purge": _l("purge"),
    "key_change": _l("key change"),
    "roster_change": _l("roster change"), "sign_in": _l("sign in"),
    "sign_out": _l("sign out"), "access_refused": _l("access refused"),
    "watchlist_import": _l("watchlist import"), "audit_verify": _l("log verification"),
    "split_view": _l("split view"), "user_change": _l("user change"),
    "restore": _l("restore"),
}
VOCABULARIES["action"] = ACTIONS
VOCABULARIES["source"] = {"un": _l("UN Security Council list"),
                          "national": _l("National list"),
                          "notice": _l("Received notice"),
                          "ftm": _l("FollowTheMoney list (OpenSanctions)"),
                          "interpol": _l("INTERPOL red notice")}
VOCABULARIES["user_role"] = {"officer": _l("liaison officer"),
                             "reviewer": _l("compliance reviewer"),
                             "admin": _l("administrator")}


def label(vocab: str, value: Any) -> str:
    """The translated label of ``value`` in ``vocab`` (the value itself if unknown)."""
    found = VOCABULARIES.get(vocab, {}).get(value)
    return str(found) if found is not None else str(value)


def message(text: str) -> str:
    """A schema, service or audit message in the page's language
    (:func:`fts_share.web.messages.translate`)."""
    return translate(text)
