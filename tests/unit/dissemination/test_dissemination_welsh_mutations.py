"""Welsh initial consonant mutations (publications/welsh.py) and how search widens a Welsh
query with them; the FTS5 expression is checked against a real in-memory FTS5 table shaped like
the quick start's."""
from __future__ import annotations

import sqlite3

import pytest

from services.dissemination.publications.search import fts5_match, normalise, welsh_tsquery
from services.dissemination.publications.welsh import mutation_variants

FAMILIES = [
    # radical, its soft / nasal / aspirate / h-prothesis forms
    ("plentyn", ["blentyn", "mhlentyn", "phlentyn"]),
    ("tad", ["dad", "nhad", "thad"]),
    ("cath", ["gath", "nghath", "chath"]),
    ("gwraig", ["wraig", "ngwraig"]),
    ("bachgen", ["fachgen", "machgen"]),
    ("drws", ["ddrws", "nrws"]),
    ("mam", ["fam"]),
    ("llais", ["lais"]),
    ("rhieni", ["rieni"]),
    ("enw", ["henw"]),
]


@pytest.mark.parametrize(("radical", "forms"), FAMILIES)
def test_a_radical_and_each_of_its_mutations_find_each_other(radical, forms):
    assert set(forms) | {radical} <= mutation_variants(radical)
    for form in forms:
        assert radical in mutation_variants(form), form
        assert form in mutation_variants(form)


def test_the_word_itself_is_always_kept_and_unmutating_words_stay_alone():
    for word in ("sut", "ffordd", "chwilfrydedd", "theatr", "dant", "2024", "s"):
        assert word in mutation_variants(word)
    assert mutation_variants("sut") == {"sut"}
    assert mutation_variants("ffordd") == {"ffordd"}       # ff is its own letter
    assert mutation_variants("2024") == {"2024"}


def test_digraphs_are_read_before_their_first_letter():
    assert mutation_variants("ddiogel") == {"ddiogel", "diogel", "niogel"}    # dd <- d, not t
    assert "dlais" not in mutation_variants("llais")                         # ll is no l
    assert "bhlentyn" not in mutation_variants("mhlentyn")                   # mh <- p only
    assert "dhad" not in mutation_variants("nhad")
    assert "ghath" not in mutation_variants("nghath")
    assert {"mam", "bam"} <= mutation_variants("fam")                        # f <- b or m


def test_g_deletion_and_h_prothesis():
    assert "gwaith" in mutation_variants("waith")
    assert "glaw" in mutation_variants("law") and "llaw" in mutation_variants("law")
    assert "enw" in mutation_variants("henw") and "henw" in mutation_variants("enw")
    assert mutation_variants("haf") >= {"haf", "af"}


def test_lower_case_and_normalised_input():
    assert mutation_variants("Blentyn") == mutation_variants("blentyn")
    assert "wyr" in mutation_variants(normalise("Ŵyr"))


def test_fts5_match_is_an_and_of_quoted_or_groups_in_welsh_and_unchanged_in_english():
    assert fts5_match("neglected children", "en") == '"neglected" "children"'
    match = fts5_match('Ei "blentyn"', "cy")
    groups = match.split(" AND ")
    assert len(groups) == 2 and all(g.startswith("(") and g.endswith(")") for g in groups)
    assert '"plentyn"' in groups[1] and '"mhlentyn"' in groups[1] and '"blentyn"' in groups[1]
    assert fts5_match("--- !!", "cy") == ""


@pytest.fixture
def fts():
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE publication_fts_cy USING fts5(publication_id UNINDEXED, body, "
               "tokenize = 'unicode61 remove_diacritics 2')")
    db.executemany("INSERT INTO publication_fts_cy VALUES (?, ?)", [
        ("1", normalise("Ni welodd neb ei blentyn.")),
        ("2", normalise("Mae'r plentyn yn ddiogel.")),
        ("3", normalise("Gofal ŵyr a'i dad.")),
    ])
    yield lambda q: sorted(r[0] for r in db.execute(
        "SELECT publication_id FROM publication_fts_cy WHERE publication_fts_cy MATCH ?", (fts5_match(q, "cy"),)))
    db.close()


def test_fts5_welsh_query_finds_every_mutated_form(fts):
    assert fts("plentyn") == ["1", "2"]
    assert fts("blentyn") == ["1", "2"]
    assert fts("mhlentyn diogel") == ["2"]          # AND between groups; "ddiogel" <- "diogel"
    assert fts("tad wyr") == ["3"]
    assert fts('"or" AND not') == []                # FTS5 keywords are quoted terms, not syntax


def test_welsh_tsquery_binds_one_or_per_mutable_word():
    sql, params = welsh_tsquery("websearch_to_tsquery('simple'::regconfig, :q_cy)", "ei plentyn -sut")
    assert sql.count("ts_rewrite(") == 2                      # "ei" (vowel: gei, hei) and "plentyn"
    assert ":q_cy" in sql and "plentyn" not in sql            # the words are parameters only
    (v_plentyn,) = [v for k, v in params.items() if k.startswith("cy_v") and "'plentyn'" in v]
    assert set(v_plentyn.split(" | ")) == {f"'{w}'" for w in mutation_variants("plentyn")}
