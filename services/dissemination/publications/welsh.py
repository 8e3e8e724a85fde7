"""Welsh initial consonant mutations, for search (pure: no database or web imports).

A Welsh word changes its first sound after certain words: "plentyn" (child) is "ei blentyn"
(his child, soft), "fy mhlentyn" (my child, nasal), "ei phlentyn" (her child, aspirate). An
index without a Welsh stemmer holds each form as it is written, so a query word is widened to
every form it could stand for: `mutation_variants("blentyn")` holds "plentyn", "mhlentyn",
"phlentyn" and "blentyn" itself.

The input is one word in the form the search module indexes Welsh text (`search.normalise`:
diacritics dropped, case folded); the rules only look at the start of the word. A query word is
undone to the radicals it could come from (soft, nasal, aspirate mutation or h-prothesis undone,
plus the word itself), and each radical is mutated every way it can be. The result is a
superset: it contains forms that are not words ("bam" for "mam"), which only cost an index
lookup, and a word whose radical really starts with a mutated-looking letter ("dant", "ffordd")
keeps matching itself.
"""
from __future__ import annotations

# (prefix, radical prefixes it may come from). The first matching prefix wins, so digraphs come
# before their first letter: "ngh" before "ng" before "n", "dd" before "d", "ll" before "l".
# "ll", "rh" and "ff" are letters of their own that no mutation produces.
_UNDO: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ngh", ("c",)), ("mh", ("p",)), ("nh", ("t",)), ("ng", ("g",)),        # nasal
    ("ph", ("p",)), ("th", ("t",)), ("ch", ("c",)),                          # aspirate
    ("dd", ("d",)), ("ll", ()), ("rh", ()), ("ff", ()),
    ("b", ("p",)), ("d", ("t",)), ("g", ("c",)), ("f", ("b", "m")),          # soft
    ("l", ("ll", "gl")), ("r", ("rh", "gr")),                                # soft (gl-, gr-: g deleted)
    ("m", ("b",)), ("n", ("d",)),                                            # nasal
)

# (radical prefix, what each mutation makes of it). Soft, nasal, aspirate in that order; a
# soft-mutated g disappears ("gwraig" -> "wraig"). Digraphs that do not mutate come first.
_MUTATE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ll", ("l",)), ("rh", ("r",)),
    ("ch", ()), ("th", ()), ("ph", ()), ("dd", ()), ("ff", ()), ("ng", ()), ("mh", ()), ("nh", ()),
    ("p", ("b", "mh", "ph")), ("t", ("d", "nh", "th")), ("c", ("g", "ngh", "ch")),
    ("b", ("f", "m")), ("d", ("dd", "n")), ("g", ("", "ng")), ("m", ("f",)),
)

# Welsh vowels (w and y included), after diacritics are dropped.
VOWELS = frozenset("aeiouwy")


def _replace(word: str, table: tuple[tuple[str, tuple[str, ...]], ...]) -> list[str]:
    for prefix, replacements in table:
        if word.startswith(prefix):
            return [r + word[len(prefix):] for r in replacements]
    return []


def radicals(word: str) -> set[str]:
    """The word itself and the unmutated forms it could be a mutation of."""
    word = word.casefold()
    found = {word}
    if not word:
        return found
    found.update(_replace(word, _UNDO))
    if word[0] in VOWELS:
        found.add("g" + word)                    # soft mutation deletes g: "wraig" <- "gwraig"
    if len(word) > 1 and word[0] == "h" and word[1] in VOWELS:
        found.add(word[1:])                      # h-prothesis: "ei henw" <- "enw"
    return found


def mutations(radical: str) -> set[str]:
    """Every mutated form of a radical (soft, nasal, aspirate, h-prothesis), not itself."""
    forms = {f for f in _replace(radical, _MUTATE) if f}
    if radical and radical[0] in VOWELS:
        forms.add("h" + radical)
    return forms


def mutation_variants(word: str) -> set[str]:
    """Every form a query word could take in a text: its radicals and all their mutations."""
    found: set[str] = set()
    for radical in radicals(word):
        found.add(radical)
        found.update(mutations(radical))
    return found
