"""The index: ``NameIndex`` (``name_index``) over named bundles of its arrays
(``store``), the groups of spellings and their neighbourhoods (``groups``,
``neighbours``), a query's path (``query``: candidates, then scores, over
the ``snapshot`` in ``candidates``, compiled in ``candidates_fast``, ``selection_fast``
and ``postings_fast``; one search over any ``View`` in ``search``), hits (``hits``),
batches (``batch``), the file format (``persist``), and the mapped snapshot that
processes share (``mapfile``, ``mapped_write``, ``mapped``) with the overlay of the
changes made after it (``overlay``)."""
