"""A name written as one word or two: *Allahdad* / *Allah Dad Matin*, *Walijan* /
ولی جان, خدايرحيم / *Khudai Rahim*, ظاهرعويس / *Dahir Aweys*.

Lists and transliterators join and split compounds freely, and a word split apart
and the same word written whole have nothing in common part by part. So a name of
two words or more also reads with two adjacent words written as one (each such pair:
``points``), a reading of its own (``NameAnalysis.others``, marked ``MARK`` in its
folded text). A reading with a join is scored against the other name's own readings
only, never against a joined reading of the other name: two names that both write
*Ahmad Jan* apart stay two names of two common parts, however rare *Ahmadjan* is
(the namesakes of session 21's joins everywhere), and a name written whole meets
the one written apart as the one word it is. Every reading is scored and the better
kept, so a join counts only where it reads better than the two words apart.

Only two plain words join (each at least two letters, in one script): not a particle
(*bin*, *al-*: the joins of those are the analysis' own, Abd al-X, X-ullah, X ad-Din),
not a title, nor a compound's own word; *Allah* first in a name (*Allah Dad*, a part
of its own there) joins the word after it.
"""

from __future__ import annotations

#: what marks the joined words in a joined reading's folded text
MARK = "+"
#: the most words a name may have for its joins to be read (a long name's parts are
#: enough to align it; each join is one more reading to index and search)
MAX_WORDS = 6

Tagged = tuple[tuple[str, str], ...]


def points(tokens: list[str], tags: list[Tagged]) -> list[int]:
    """The positions k at which words k and k + 1 of a name (``tokens``, each with its
    tagged items ``tags``) may be read as one word."""
    if not 2 <= len(tokens) <= MAX_WORDS:
        return []
    return [k for k in range(len(tokens) - 1)
            if _joinable(tokens, tags, k) and _script(tokens[k]) == _script(tokens[k + 1])]


def _joinable(tokens: list[str], tags: list[Tagged], k: int) -> bool:
    first, second = tokens[k], tokens[k + 1]
    if len(first) < 2 or len(second) < 2:
        return False
    lead = tags[k] == (("word", first),) or (k == 0 and tags[k] == (("allah", first),))
    return lead and tags[k + 1] == (("word", second),)


def _script(word: str) -> str:
    """``latin``, ``arabic`` or ``other`` (Cyrillic), by the first letter."""
    if word.isascii():
        return "latin"
    return "arabic" if "\u0600" <= word[0] <= "\u06ff" else "other"


def joined(tokens: list[str], k: int) -> list[str]:
    """``tokens`` with words k and k + 1 written as one."""
    return [*tokens[:k], tokens[k] + tokens[k + 1], *tokens[k + 2:]]


def marked(tokens: list[str], k: int) -> str:
    """The folded text of the reading with words k and k + 1 joined (``MARK``
    between them)."""
    return " ".join([*tokens[:k], tokens[k] + MARK + tokens[k + 1], *tokens[k + 2:]])
