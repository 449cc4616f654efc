"""Scoring and explanation: name analysis (``analysis``), other evidence
(``evidence``), part similarity and name score, each twice side by side: the
readable reference (``*_ref``) and the compiled fast path (``*_fast``, numba) that
gives the same numbers, and the explanation of a score (``explanation``)."""
