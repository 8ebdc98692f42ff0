import pytest

from corpus.dates import find_dates, parse_date, parse_due


@pytest.mark.parametrize("text,iso", [
    ("17th January 2022", "2022-01-17"),
    ("Date: 8 May, 2024", "2024-05-08"),
    ("30/06/16", "2016-06-30"),
    ("2024-03-13", "2024-03-13"),
    ("By 31 July 2024, chief constables should", "2024-07-31"),
    ("Review by 31st July 2014", "2014-07-31"),
    ("January 17th, 2022", "2022-01-17"),
    ("31.10.2023", "2023-10-31"),
])
def test_parse_date(text, iso):
    assert parse_date(text) == iso


def test_no_date_and_impossible_date():
    assert parse_date("with immediate effect") is None
    assert parse_date("31/02/2020") is None


@pytest.mark.parametrize("text,iso", [
    ("by the end of Q3 2023", "2023-09-30"),
    ("March 2024", "2024-03-31"),
    ("by 2025", "2025-12-31"),
    ("30/04/16", "2016-04-30"),
])
def test_parse_due(text, iso):
    assert parse_due(text) == iso


def test_find_dates_in_order_without_overlaps():
    found = find_dates("report dated 13 March 2024, reply by 08/05/2024 and 2024-06-01")
    assert [iso for _, _, iso in found] == ["2024-03-13", "2024-05-08", "2024-06-01"]
