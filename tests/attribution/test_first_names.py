"""The first-name gender lexicon (first_names.tsv, built from the 1990 US Census lists): model-free."""

import pytest

from service.attribution import lexicon
from service.attribution.lexicon import first_name_gender


@pytest.mark.parametrize("name, gender", [
    ("Mary", "f"), ("John", "m"), ("Jane", "f"), ("Marcus", "m"), ("Lydia", "f"),
    ("mary", "f"), ("JOHN", "m"), (" Jane ", "f"),
])
def test_clear_first_names_have_their_gender(name, gender):
    assert first_name_gender(name) == gender


@pytest.mark.parametrize("name", [
    "Jordan", "Taylor", "Casey", "Kelly", "Leslie",  # both sexes: below 95% for one
    "Johnson", "Martin", "May",  # more people bear it as a surname: "Martin said" is no signal
    "Zorblax", "", "Mary Jane",  # unknown
])
def test_ambiguous_surname_like_and_unknown_names_have_none(name):
    assert first_name_gender(name) is None


def test_the_file_is_read_once_and_holds_a_few_thousand_names():
    table = lexicon._first_names()
    assert lexicon._first_names() is table
    assert 2000 <= len(table) <= 5000
    assert set(table.values()) == {"f", "m"}
    assert all(name == name.lower() and name.isalpha() for name in table)
    assert lexicon.FIRST_NAMES.stat().st_size < 200_000
