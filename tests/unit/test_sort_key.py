"""Names sort as a reader expects, whatever the server's locale."""

from training.core.text import sort_key


def test_accented_letters_sort_with_their_base_letters():
    names = ["Zypern", "Österreich", "Oman", "Panama", "Åland", "Albanien", "Ägypten", "Belgien"]
    assert sorted(names, key=sort_key) == [
        "Ägypten",
        "Åland",
        "Albanien",
        "Belgien",
        "Oman",
        "Österreich",
        "Panama",
        "Zypern",
    ]


def test_case_and_letters_without_accents_marks():
    assert sorted(["zeta", "Alpha", "Øresund", "Oslo", "Łódź", "Lyon"], key=sort_key) == [
        "Alpha",
        "Łódź",
        "Lyon",
        "Øresund",
        "Oslo",
        "zeta",
    ]


def test_equal_folded_names_keep_a_stable_order():
    assert sorted(["Réunion", "Reunion"], key=sort_key) == ["Reunion", "Réunion"]
