"""Notices: the notice format. Its vocabularies (:mod:`~fts_share.notices.vocab`), the
rules that hold wherever a notice is handled (:mod:`~fts_share.notices.rules`), content
encryption at rest (:mod:`~fts_share.notices.vault`) and the marshmallow schemas used at
the edges and on receipt (:mod:`~fts_share.notices.schemas`,
:mod:`~fts_share.notices.requests`).

Publishing, opening and sharing notices are use cases in
:mod:`fts_share.services.publishing`; notice versions are stored by
:mod:`fts_share.storage.notices`."""
