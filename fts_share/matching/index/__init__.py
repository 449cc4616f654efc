"""The index: ``NameIndex`` (``name_index``) over named bundles of its arrays
(``store``), the groups of spellings and their neighbourhoods (``groups``,
``neighbours``), the search path (``search``, compiled in ``candidates_fast``,
``selection_fast`` and ``postings_fast``), hits (``hits``), batches (``batch``) and
the file format (``persist``)."""
