"""The deceased's name read from the template's "investigation into the death of …" sentence stops
at the words that follow a name there (a report was titled "John Allan Tucker Dob")."""
import pytest

from corpus.readers.datasets import deceased_from_text


@pytest.mark.parametrize("text, name", [
    ("I commenced an investigation into the death of John Allan Tucker DOB: 2/6/1975.", "John Allan Tucker"),
    ("into the death of Edna May Cleaton D.O.B. 1/1/1930", "Edna May Cleaton"),
    ("into the death of Simon Willans Date of birth 3 May 1970", "Simon Willans"),
    ("into the death of Brian Alban Frost\n\nThe investigation concluded at the end of the inquest", "Brian Alban Frost"),
    ("into the death of Jean Evelyn\nWAGHORN The investigation concluded", "Jean Evelyn WAGHORN"),
    ("into the death of Claire Copeland\n\nAged 34", "Claire Copeland"),
    ("into the death of Timothy Robert DE BOOS The inquest", "Timothy Robert DE BOOS"),
    ("into the death of Edna May Cleaton, aged 89", "Edna May Cleaton"),
    ("into the death of The deceased", None),
])
def test_the_name_stops_where_the_sentence_goes_on(text, name):
    assert deceased_from_text(text) == name
