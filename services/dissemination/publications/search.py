"""Full-text search over publications, one interface with two backends chosen by dialect.

* PostgreSQL (the full stack): GIN indexes on ``to_tsvector('english', search_en)`` and
  ``to_tsvector('simple', search_cy)``, queried with ``websearch_to_tsquery`` (quotes, OR, -word).
  PostgreSQL has no Welsh dictionary or stemmer, so Welsh uses the 'simple' configuration over
  text we normalise ourselves (`normalise`: NFKD, diacritics dropped, case folded), so
  "ŵyr"/"wyr" and "Esgeulustod"/"esgeulustod" match. No `unaccent` extension is needed, which
  keeps the database set-up to stock PostgreSQL.
* Welsh mutations (`welsh.py`): each word of a Welsh query matches every mutated form of the
  radicals it could come from, so "plentyn" finds "ei blentyn" / "fy mhlentyn" and "blentyn"
  finds "plentyn". On PostgreSQL the query is still parsed by ``websearch_to_tsquery`` and each
  of its words is then replaced by an OR of its forms with ``ts_rewrite``, so phrases, ``or``
  and ``-word`` keep working (a phrase or an exclusion covers every form too: ``-plentyn``
  also excludes "blentyn"). Hyphenated words are also indexed whole ("cam-drin"), and that
  whole lexeme is not widened. English queries are not widened.
* SQLite (the quick start): two FTS5 tables the service keeps in step on every write,
  ``publication_fts_en`` (porter stemming) and ``publication_fts_cy`` (unicode61, diacritics
  removed). Users' queries are reduced to quoted terms, all required; a Welsh term is a
  parenthesised OR of its mutation forms.

Callers use `for_session(session)`: `.index(session, publication)` after each write and
`.condition(q, lang)` as a WHERE clause on a select of publications.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from sqlalchemy import false, select, text
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from services.dissemination.publications.welsh import mutation_variants

LANGS = ("en", "cy")
_WORD = re.compile(r"\w+", re.UNICODE)
# Letters and digits only: the words PostgreSQL's parser makes lexemes of ("_" separates).
_LEXEME = re.compile(r"[^\W_]+", re.UNICODE)


def normalise(value: str) -> str:
    """Lower case without diacritics: the form both Welsh backends index and query."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def search_texts(title: dict, summary: dict, learning_points: Iterable[dict],
                 recommendations: Iterable[str], documents: Iterable[dict] = (),
                 themes: Iterable[dict] = ()) -> tuple[str, str]:
    """The English and (normalised) Welsh text a publication is found by: its texts, its
    documents' titles and its themes' names. Recommendations are one language as the board
    writes them, so they go into both."""
    points = list(learning_points)
    recs = [r for r in recommendations if r]
    docs = list(documents) + list(themes)

    def join(lang: str) -> str:
        parts = [title.get(lang) or "", summary.get(lang) or ""]
        parts += [(p.get(lang) or "") for p in points]
        parts += [(d.get(lang) or "") for d in docs]
        parts += recs
        return "\n".join(p for p in parts if p)

    return join("en"), normalise(join("cy"))


class PostgresSearch:
    CONFIG = {"en": "english", "cy": "simple"}

    def index(self, session: Session, publication) -> None:
        """Nothing to do: the GIN indexes are on expressions over the row's own columns."""

    def condition(self, q: str, lang: str) -> ColumnElement:
        column = "search_en" if lang == "en" else "search_cy"
        config = self.CONFIG[lang]
        query = q if lang == "en" else normalise(q)
        tsquery = f"websearch_to_tsquery('{config}'::regconfig, :q_{lang})"
        params = {f"q_{lang}": query}
        if lang == "cy":
            tsquery, more = welsh_tsquery(tsquery, query)
            params.update(more)
        return text(f"to_tsvector('{config}'::regconfig, publications.{column}) "
                    f"@@ {tsquery}").bindparams(**params)


def _lexeme(word: str) -> str:
    """A word as a quoted to_tsquery operand (words are letters and digits; escaped anyway)."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def welsh_tsquery(tsquery: str, query: str) -> tuple[str, dict[str, str]]:
    """Wrap a parsed Welsh tsquery expression so each word of the (normalised) query is
    replaced by an OR of its mutation forms: one ``ts_rewrite`` per distinct word that has any.
    The forms are bound parameters in to_tsquery syntax; nothing from the query reaches the
    SQL text. A later word's rewrite may also apply inside an earlier word's OR (when the query
    holds two forms of one word), which only widens that OR."""
    params: dict[str, str] = {}
    for i, word in enumerate(dict.fromkeys(_LEXEME.findall(query))):
        variants = mutation_variants(word)
        if variants == {word}:
            continue
        tsquery = (f"ts_rewrite({tsquery}, to_tsquery('simple'::regconfig, :cy_w{i}), "
                   f"to_tsquery('simple'::regconfig, :cy_v{i}))")
        params[f"cy_w{i}"] = _lexeme(word)
        params[f"cy_v{i}"] = " | ".join(_lexeme(v) for v in sorted(variants))
    return tsquery, params


class SqliteSearch:
    TABLES = {"en": "publication_fts_en", "cy": "publication_fts_cy"}

    def index(self, session: Session, publication) -> None:
        for lang, body in (("en", publication.search_en), ("cy", publication.search_cy)):
            table = self.TABLES[lang]
            session.execute(text(f"DELETE FROM {table} WHERE publication_id = :id"), {"id": publication.id})
            session.execute(text(f"INSERT INTO {table} (publication_id, body) VALUES (:id, :body)"),
                            {"id": publication.id, "body": body})

    def condition(self, q: str, lang: str) -> ColumnElement:
        from services.dissemination.publications.models import Publication

        match = fts5_match(q, lang)
        if not match:
            return false()
        table = self.TABLES[lang]
        ids = select(text("publication_id")).select_from(text(table)).where(
            text(f"{table} MATCH :m_{lang}").bindparams(**{f"m_{lang}": match}))
        return Publication.id.in_(ids)


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '') + '"'


def fts5_match(q: str, lang: str) -> str:
    """The FTS5 MATCH expression for a user's query: its words as quoted terms, all required;
    in Welsh each word is a parenthesised OR of its mutation forms. Empty if it has no words."""
    terms = _WORD.findall(normalise(q) if lang == "cy" else q)
    if lang != "cy":
        return " ".join(_quoted(t) for t in terms)
    return " AND ".join("(" + " OR ".join(_quoted(v) for v in sorted(mutation_variants(t))) + ")"
                        for t in terms)


def for_session(session: Session) -> PostgresSearch | SqliteSearch:
    return PostgresSearch() if session.get_bind().dialect.name == "postgresql" else SqliteSearch()
