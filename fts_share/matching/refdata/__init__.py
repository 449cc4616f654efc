"""Reference data: the word lists of the name analysis and the common given names
(``lexicon``), and countries (``countries``, over :mod:`fts_share.countries`)."""
