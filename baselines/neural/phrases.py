"""The first noun phrase of a query sentence, from its text only (a small rule-based chunker, no NLP model).

Words are the sentence's lower-cased runs of letters, digits, ``'`` and ``-``. The
phrase starts at the first determiner (:data:`DETERMINERS`) that is followed by a
word, else at the first word that is not a :data:`BOUNDARY_WORDS` word; it holds at
most :data:`MAX_HEAD_WORDS` words besides a determiner and ends before a boundary word (preposition,
conjunction, wh-word, auxiliary, pronoun), before a word ending in ``-ing``, and
after a word ending in ``s`` that follows another word of the phrase (taken as
the verb of a clause such as "a dog runs", so it is dropped: "a dog"). With no
such word the phrase is the whole sentence, stripped.

    "An adult in red clothes hugs a child."  -> "an adult"
    "Who is holding the brown dog?"          -> "the brown dog"
    "a black dog runs away"                  -> "a black dog"
"""

from __future__ import annotations

import re

WORD = re.compile(r"[a-z0-9'\-]+")
MAX_HEAD_WORDS = 3
DETERMINERS = frozenset(("a", "an", "the", "this", "these", "those", "his", "her", "their", "its", "my",
                         "your", "our", "another", "some", "one", "two", "three"))
BOUNDARY_WORDS = frozenset((
    "in", "on", "at", "of", "with", "without", "by", "for", "from", "to", "into", "onto", "over", "under", "near",
    "behind", "beside", "above", "below", "next", "towards", "toward", "around", "away", "up", "down", "off",
    "and", "or", "but", "while", "when", "then", "who", "whom", "whose", "what", "which", "where", "that",
    "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "does", "do", "did", "can", "will",
    "there", "it", "he", "she", "they", "him", "them", "there's"))


def _ends_clause(word: str, taken: int) -> bool:
    return taken >= 1 and len(word) > 3 and word.endswith("s") and not word.endswith("ss")


def first_noun_phrase(sentence: str) -> str:
    """The first noun phrase of ``sentence`` by the rules of the module docstring."""
    words = WORD.findall(sentence.lower())
    start = next((i for i, w in enumerate(words[:-1]) if w in DETERMINERS and words[i + 1] not in BOUNDARY_WORDS),
                 None)
    if start is None:
        start = next((i for i, w in enumerate(words) if w not in BOUNDARY_WORDS and w not in DETERMINERS), None)
        if start is None:
            return sentence.strip()
    phrase = [words[start]]
    heads = 0 if words[start] in DETERMINERS else 1
    for word in words[start + 1:]:
        if heads == MAX_HEAD_WORDS or word in BOUNDARY_WORDS or word.endswith("ing") or _ends_clause(word, heads):
            break
        phrase.append(word)
        heads += 1
    return " ".join(phrase)
