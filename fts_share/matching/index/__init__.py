"""The index: ``NameIndex`` (``name_index``) over named bundles of its arrays
(``store``), the groups of spellings and their neighbourhoods (``groups``,
``neighbours``), a query's path (``query``: candidates, then scores, over
the ``snapshot`` in ``candidates``, compiled in ``candidates_fast``, ``selection_fast``
and ``postings_fast``), hits (``hits``), batches (``batch``) and
the file format (``persist``)."""
