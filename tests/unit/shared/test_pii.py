import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.pii import FieldFinding, check_fields, describe, find_identifiers, message, nhs_number_is_valid


def kinds(text, names=()):
    return [f.kind for f in find_identifiers(text, names)]


def spans(text, names=()):
    return [(f.kind, text[f.start:f.end]) for f in find_identifiers(text, names)]


def with_check_digit(nine: str) -> str | None:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1)))
    check = (11 - total % 11) % 11
    return None if check == 10 else nine + str(check)


# --- NHS number --------------------------------------------------------------


@pytest.mark.parametrize("text", ["NHS no 943 476 5919.", "943-476-5919", "ref 9434765919 held", "943 4765919"])
def test_valid_nhs_number_found(text):
    assert kinds(text) == ["nhs_number"]


@pytest.mark.parametrize("text", ["943 476 5918", "9434765910", "94347659191", "1943 476 5919", "943 476 59"])
def test_invalid_checksum_or_shape_not_an_nhs_number(text):
    assert "nhs_number" not in kinds(text)


@given(nine=st.text(alphabet="0123456789", min_size=9, max_size=9), sep=st.sampled_from(["", " ", "-"]))
def test_property_generated_nhs_numbers(nine, sep):
    number = with_check_digit(nine)
    if number is None:  # check digit 10: never a valid NHS number
        for last in "0123456789":
            assert not nhs_number_is_valid(nine + last)
        return
    text = f"see {number[:3]}{sep}{number[3:6]}{sep}{number[6:]} today"
    assert "nhs_number" in kinds(text)
    wrong = str((int(number[9]) + 1) % 10)
    bad = number[:9] + wrong
    assert not nhs_number_is_valid(bad)
    assert "nhs_number" not in kinds(f"see {bad[:3]}{sep}{bad[3:6]}{sep}{bad[6:]} today")


# --- postcode -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, found",
    [
        ("lives at CF10 3NQ now", "CF10 3NQ"),
        ("cf103nq", "cf103nq"),
        ("SA1 1AA", "SA1 1AA"),
        ("LL57 2PW", "LL57 2PW"),
        ("SW1A 1AA", "SW1A 1AA"),
        ("moved to np20 1ab.", "np20 1ab"),
    ],
)
def test_postcodes_found(text, found):
    assert spans(text) == [("postcode", found)]


@pytest.mark.parametrize(
    "text",
    ["the A1 2nd floor office", "met at 2pm", "vitamin B12 levels", "Year 10 pupils", "CF10 only", "NW-2024-0012", "case SA1"],
)
def test_postcode_negatives(text):
    assert "postcode" not in kinds(text)


# --- phone -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "mum's mobile 07700 900123",
        "07700900123",
        "0770 090 0123",
        "+44 7700 900123",
        "+447700900123",
        "+44 (0)29 2034 5678",
        "029 2034 5678",
        "(029) 2034 5678",
        "0300 123 4567",
        "01234 567890",
        "0044 29 2034 5678",
    ],
)
def test_phones_found(text):
    assert kinds(text) == ["phone"]


@pytest.mark.parametrize(
    "text",
    ["44 notifications in 2015", "reference NW-2024-0012", "12/03/2024", "2024-03-12", "0800 prefix", "+44", "case 0123", "CR-01234567890"],
)
def test_phone_negatives(text):
    assert "phone" not in kinds(text)


# --- email --------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["mail jo.bloggs@example.com", "x+y@nhs.wales.uk", "A@B.CO"])
def test_emails_found(text):
    assert kinds(text) == ["email"]


@pytest.mark.parametrize("text", ["meet @ 10", "name@localhost", "the board's email policy"])
def test_email_negatives(text):
    assert "email" not in kinds(text)


# --- date of birth ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "DOB 12/03/2015",
        "dob: 12.03.15",
        "d.o.b. 3/5/2016",
        "D.O.B 3-5-2016",
        "date of birth: 12 March 2015",
        "Date of Birth 12th of March 2015",
        "born on 3 May 2016",
        "Born 3rd May 2016",
        "born in March 2016",
        "born on March 3, 2016",
        "date of birth 2016-05-03",
        "dyddiad geni: 12 Mawrth 2015",
        "Dyddiad geni 12/03/2015",
        "ganwyd ar 3 Mai 2016",
    ],
)
def test_dates_of_birth_found(text):
    assert kinds(text) == ["date_of_birth"]


@pytest.mark.parametrize(
    "text",
    [
        "on 12 March 2024 the panel met",
        "12/03/2024",
        "the baby was born prematurely; on 12 March 2024 the panel met",
        "born in 2015",
        "report approved 2024-05-01",
        "the Board met in March 2024",
        "learning about the date of birth recording policy",
    ],
)
def test_date_of_birth_negatives(text):
    assert "date_of_birth" not in kinds(text)


# --- names ---------------------------------------------------------------------------


def test_names_case_insensitive_whole_word():
    names = ["Bethan", "O'Brien", "Mary Jones"]
    text = "BETHAN met o’brien and mary  jones; bethany and jonesy are different"
    assert spans(text, names) == [("name", "BETHAN"), ("name", "o’brien"), ("name", "mary  jones")]


def test_configured_names_extend_the_lexicon():
    assert kinds("zorbek met the panel", ()) == [] and kinds("zorbek met the panel", ["", "  "]) == []
    assert kinds("zorbek met the panel", ["Zorbek"]) == ["name"]


# --- ordinary text ----------------------------------------------------------------------


def test_ordinary_review_text_is_clean():
    text = (
        "Case NW-2024-0012: on 12 March 2024 the panel met. The Board reviewed 44 notifications "
        "between 2013 and 2015; average completion took 12 months. Learning Event held 3 May 2024 "
        "at 10:00 with 14 practitioners from 6 agencies."
    )
    assert find_identifiers(text) == []


def test_findings_ordered_with_positions():
    text = "Tel 029 2034 5678, email a@b.com, DOB 1/2/2015"
    found = find_identifiers(text)
    assert [f.kind for f in found] == ["phone", "email", "date_of_birth"]
    assert found == sorted(found, key=lambda f: f.start)


# --- fields and messages -----------------------------------------------------------------


def test_check_fields_names_field_and_kind_once():
    fields = {
        "summary": "Contact 07700 900123 or 07700 900124",
        "rationale": None,
        "learning_points[2].cy": "Cod post CF10 3NQ, dyddiad geni 1/2/2015",
        "note": "nothing to see",
    }
    assert check_fields(fields) == [
        FieldFinding("summary", "phone"),
        FieldFinding("learning_points[2].cy", "postcode"),
        FieldFinding("learning_points[2].cy", "date_of_birth"),
    ]


def test_messages_never_echo_the_matched_text():
    secret = {"summary": "NHS 943 476 5919, Bethan, a@b.com, CF10 3NQ"}
    findings = check_fields(secret, extra_names=["Bethan"])
    assert {f.kind for f in findings} == {"nhs_number", "name", "email", "postcode"}
    text = message(findings) + " ".join(describe(f) for f in findings) + findings[0].message
    for leaked in ["943", "5919", "Bethan", "a@b.com", "CF10", "3NQ"]:
        assert leaked not in text
    assert "summary" in text and "NHS number" in text
    assert message([]) == ""


def test_random_ordinary_numbers_rarely_flagged():
    rng = random.Random(4)
    for _ in range(200):
        n = rng.randint(1, 99999)
        assert find_identifiers(f"{n} notifications were received") == []
