"""Highlighted snippets for search results: the passage of a text around the first words that
match the query, with the matches marked. Welsh matches every mutated form of the query's words
(the search's own rule, publications/welsh.py) and ignores diacritics (search.normalise); English
matches a word sharing the query word's stem crudely (the porter stemmer decides what was found;
this only chooses what to mark). Returns segments, so the template escapes every character."""
from __future__ import annotations

import re

from services.dissemination.publications.search import normalise
from services.dissemination.publications.welsh import mutation_variants

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_SUFFIXES = ("ing", "ed", "es", "s")
_STOP = {"and", "or", "not", "the", "a", "of", "to", "in", "a'r", "ac", "neu", "y", "yr", "o", "i"}


def _en_stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _matcher(q: str, lang: str):
    words = [w for w in _WORD.findall(normalise(q)) if w not in _STOP and not q.strip().startswith("-" + w)]
    if lang == "cy":
        forms = {v for w in words for v in mutation_variants(w)}
        return lambda token: normalise(token) in forms
    stems = {_en_stem(w) for w in words}
    return lambda token: any(normalise(token).startswith(s) for s in stems if s)


def highlight(text: str, q: str | None, lang: str, width: int = 240) -> list[tuple[str, bool]]:
    """[(text, is_match)] for a window of about `width` characters around the first match (or
    the start when nothing matches), with an ellipsis where the window cuts the text."""
    text = " ".join((text or "").split())
    if not q or not q.strip():
        return [(_cut(text, width), False)]
    match = _matcher(q, lang)
    tokens = list(_WORD.finditer(text))
    first = next((t for t in tokens if match(t.group())), None)
    start = 0 if first is None else max(0, first.start() - width // 3)
    if start:
        start = text.find(" ", start) + 1 or start
    end = min(len(text), start + width)
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    segments: list[tuple[str, bool]] = []
    if start > 0:
        segments.append(("… ", False))
    cursor = start
    for t in tokens:
        if t.start() < start or t.end() > end:
            continue
        if match(t.group()):
            if t.start() > cursor:
                segments.append((text[cursor:t.start()], False))
            segments.append((t.group(), True))
            cursor = t.end()
    if cursor < end:
        segments.append((text[cursor:end], False))
    if end < len(text):
        segments.append((" …", False))
    return segments


def _cut(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    cut = text.rfind(" ", 0, width)
    return text[: cut if cut > 0 else width] + " …"


def has_match(segments: list[tuple[str, bool]]) -> bool:
    return any(hit for _, hit in segments)


def best(texts: list[str], q: str | None, lang: str, width: int = 240) -> list[tuple[str, bool]]:
    """The snippet of the first text that holds a match (summary, then learning points), else
    of the first text."""
    candidates = [t for t in texts if t]
    for text in candidates:
        segments = highlight(text, q, lang, width)
        if has_match(segments):
            return segments
    return highlight(candidates[0] if candidates else "", None, lang, width)
