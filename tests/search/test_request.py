"""The one search request: read from a query string or the CLI's options, checked once."""
import pytest

from search.request import ParamError, SearchRequest, check_choice, clamp_int


def test_from_args_reads_filters_paging_and_the_year_facet():
    r = SearchRequest.from_args({"q": "  restraint  ", "type": "pfd_report", "year": "2019", "k": "7",
                                 "page": "0", "theme": " 12 ", "area": " "})
    assert (r.q, r.per_page, r.page) == ("restraint", 7, 1)  # page clamps to 1
    assert r.filters == {"type": "pfd_report", "date_from": "2019", "date_to": "2019-12-31", "theme": "12"}
    assert SearchRequest.from_args({"per_page": "1000", "k": "3"}).per_page == 100  # per_page wins, clamped
    assert SearchRequest.from_args({"k": 3}, per_page=5, max_per_page=20).per_page == 3  # CLI values are ints
    assert SearchRequest.from_args({}, per_page=5).per_page == 5


@pytest.mark.parametrize("args, words", [
    ({"k": "lots"}, "k must be a whole number"), ({"mode": "fuzzy"}, "mode must be"),
    ({"year": "19"}, "year must be four digits"), ({"date_from": "2020-13"}, "date_from must be a real date"),
    ({"theme": "abc"}, "theme must be a whole number"), ({"strength": "strongest"}, "strength must be one of"),
    ({"has_response": "maybe"}, "has_response must be one of"), ({"type": "report"}, "type must be one of pfd_report"),
])
def test_from_args_refuses_what_no_document_can_match(args, words):
    with pytest.raises(ParamError, match=words):
        SearchRequest.from_args(args)


def test_check_against_the_library(filled_library):
    r = SearchRequest.from_args({"q": "MARAC", "status": "Not stated"}).check(filled_library)
    assert r.status == "not_stated" and r.filters["status"] == "not_stated"
    for args, words in [({"status": "xyz"}, "status must be one of"), ({"theme": "99999999"}, "no theme 99999999"),
                        ({"date_from": "2023", "date_to": "2019"}, "date_from is after date_to")]:
        with pytest.raises(ParamError, match=words):
            SearchRequest.from_args(args).check(filled_library)
    data = SearchRequest.from_args({"q": "MARAC minutes"}).check(filled_library).run(filled_library)
    assert data["results"] and all(h["case_url"] == f"/cases/{h['document']['id']}" for h in data["results"])


def test_number_and_choice_rules():
    assert clamp_int(None, "page", 1, 1, 9) == 1 and clamp_int("99", "page", 1, 1, 9) == 9
    with pytest.raises(ParamError):
        clamp_int("1e3", "page", 1, 1, 9)
    assert check_choice("a", "x", ("a", "b")) == "a"
    with pytest.raises(ParamError, match="x must be one of a, b"):
        check_choice("c", "x", ("a", "b"))
