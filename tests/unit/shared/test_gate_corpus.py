"""The identifier gate against tests/data/gate_corpus.txt (invented review text, English and
Welsh): recall per kind and the false-alarm rate (bench/bench_gate.py prints the figures)."""
from collections import Counter
from pathlib import Path

import pytest

from shared.pii import check_fields, find_identifiers, normalise

CORPUS = Path(__file__).resolve().parents[2] / "data" / "gate_corpus.txt"
CASES = [tuple(line.split("\t", 1)) for line in CORPUS.read_text(encoding="utf-8").splitlines()
         if line and not line.startswith("#")]


def test_corpus_is_large_and_covers_every_kind_in_both_languages():
    kinds = Counter(k for k, _ in CASES)
    assert len(CASES) >= 300
    assert set(kinds) >= {"name", "address", "ni_number", "nhs_number", "postcode", "phone", "email",
                          "date_of_birth", "clean"}


def test_recall_per_kind_and_false_alarms():
    hits, totals, alarms, clean = Counter(), Counter(), [], 0
    for kind, text in CASES:
        found = {f.kind for f in find_identifiers(text)}
        if kind == "clean":
            clean += 1
            if found:
                alarms.append(text)
        else:
            totals[kind] += 1
            hits[kind] += kind in found
    for kind in ("name", "address", "ni_number"):
        assert hits[kind] / totals[kind] >= 0.95, kind
    assert len(alarms) / clean <= 0.02, alarms


@pytest.mark.parametrize("text, kind, flagged", [
    ("Her partner, Jason Evans, moved in", "name", "Jason Evans"),
    ("Mr Hughes attended", "name", "Mr Hughes"),
    ("Dywedodd ei mam, Siân Williams, …", "name", "Siân Williams"),
    ("lived at 12 Heol y Felin", "address", "12 Heol y Felin"),
    ("NI number AB123456C", "ni_number", "AB123456C"),
    ("DOB 3.4.19", "date_of_birth", "DOB 3.4.19"),
])
def test_issue_examples_found_with_offsets_into_the_original(text, kind, flagged):
    found = [f for f in find_identifiers(text) if f.kind == kind]
    assert [text[f.start:f.end] for f in found] == [flagged]


@pytest.mark.parametrize("text", [
    "NHS 943\u00a0476\u00a05919", "NHS 943.476.5919", "NHS 943/476/5919", "NHS 943_476_5919",
    "NHS 943\u2013476\u20135919", "NHS 943  476  5919", "NHS 943\u200b476\u200b5919", "NHS 943\n476\n5919",
    "NHSno9434765919", "NHS \uff19\uff14\uff13 \uff14\uff17\uff16 \uff15\uff19\uff11\uff19", "NHS 94\u00ad34765919",
])
def test_nhs_number_bypasses_are_found(text):
    assert "nhs_number" in {f.kind for f in find_identifiers(text)}


@pytest.mark.parametrize("text, kind", [
    ("CF10\u200b3NQ", "postcode"), ("CF10\u00a03NQ", "postcode"), ("CF10-3NQ", "postcode"),
    ("\uff23\uff26\uff11\uff10 \uff13\uff2e\uff31", "postcode"), ("\u0421F10 3NQ", "postcode"),
    ("07700.900.123", "phone"), ("\uff10\uff17\uff17\uff10\uff10 \uff19\uff10\uff10\uff11\uff12\uff13", "phone"),
    ("jo\uff20example.com", "email"), ("jo at example dot com", "email"), ("jo @ example.com", "email"),
    ("j\u00f6@ex\u00e4mple.com", "email"), ("https://x.test/?e=jo%40example.com", "email"),
    ("DOB12/03/2015", "date_of_birth"), ("date of birth (12/03/2015)", "date_of_birth"),
    ("born in March, 2015", "date_of_birth"), ("b. 12/03/2015", "date_of_birth"),
    ("12/03/2015 (date of birth)", "date_of_birth"), ("DOB 12 Rhag 2015", "date_of_birth"),
    ("ganwyd hi ar 12 Mawrth 2015", "date_of_birth"), ("DG: 12/03/2015", "date_of_birth"),
])
def test_listed_bypasses_are_found(text, kind):
    assert kind in {f.kind for f in find_identifiers(text)}


@pytest.mark.parametrize("text", [
    "Aneurin Bevan, Betsi Cadwaladr and Hywel Dda University Health Boards met at Ty Hywel on St David's Day.",
    "Barnardo's worked in Merthyr Tydfil and Llandrindod Wells.",
    "Child A told the Health Visitor that Mother had moved; Mr A and Ms B declined.",
    "Cafodd y cyfarfod ei gynnal yng Nghaerdydd ac yn Nhŷ Hywel.",
    "There were 2 Family Court hearings and 3 Crown Court hearings.",
    "NI numbers with invalid prefixes: DA123456A, BG123456A, QQ123456C.",
])
def test_organisations_places_pseudonyms_and_invalid_prefixes_are_clean(text):
    assert find_identifiers(text) == []


def test_normalisation_never_changes_the_text_only_what_is_matched():
    text = "Siân\u00a0943\u200b476"
    norm, idx = normalise(text)
    assert norm == "Sian 943476" and len(idx) == len(norm) and text == "Siân\u00a0943\u200b476"


def test_allow_terms_pass_exact_flagged_words_for_names_and_addresses_only():
    text = "The panel thanked Gareth Lloyd; NHS 943 476 5919."
    assert {f.kind for f in find_identifiers(text)} == {"name", "nhs_number"}
    assert {f.kind for f in find_identifiers(text, allow_terms=["gareth lloyd"])} == {"nhs_number"}
    assert {f.kind for f in find_identifiers(text, allow_terms=["Gareth"])} == {"name", "nhs_number"}
    assert {f.kind for f in find_identifiers(text, allow_terms=["943 476 5919"])} == {"name", "nhs_number"}


def test_identifier_split_across_two_fields_or_the_en_and_cy_of_one():
    findings = check_fields({"summary.en": "Records held under NHS 943 476", "summary.cy": "5919 oedd y rhif."})
    assert {(f.field, f.kind) for f in findings} == {("summary.en", "nhs_number"), ("summary.cy", "nhs_number")}
    en = next(f for f in findings if f.field == "summary.en")
    assert "Records held under NHS 943 476"[en.start:en.end] == "943 476"


def test_kinds_limit_what_is_looked_for():
    assert find_identifiers("Ceri Jones, designated nurse", kinds=["nhs_number"]) == []
    assert [f.kind for f in find_identifiers("Ceri Jones 943 476 5919", kinds=["nhs_number"])] == ["nhs_number"]
