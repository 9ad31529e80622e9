"""The words the rules know, in one place: data files in this folder plus a few small tables.

- ``words(name)``: the word list ``<name>.txt`` (one word a line, ``#`` comments), lower-cased, as
  a frozenset; read once. ``LISTS`` names every list; README.md says what each is for.
- ``first_name_gender(name)``: "f", "m" or None, from ``first_names.tsv`` (first names whose gender
  is clear in the 1990 US Census lists; built by ``scripts/build_first_names.py``); read once.
- ``noun_gender(word)``: "f", "m" or None, from ``gendered_nouns.tsv`` (nouns and titles used for
  one gender: "actress", "congressman", "Mrs."); read once.
- ``PRONOUNS``: personal pronouns with gender and number, for speaker resolution.
- quote marks (shared with the segmenter and the parser's normalisation): which marks open,
  which close, which go either way.
- ``CUE_LEMMAS``: the cue lexicon file (speech verbs, manner verbs, phrasal cues), read by
  ``service.attribution.cues``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from service.document import read_word_list

FOLDER = Path(__file__).parent
CUE_LEMMAS = FOLDER / "cue_lemmas.txt"
FIRST_NAMES = FOLDER / "first_names.tsv"
# Lists kept beside the code that mostly reads them: the segmenter's speech-verb forms (the
# quote scorer also weighs them), in service/nlp/, read as data, not imported.
ELSEWHERE = {"attribution_verbs": FOLDER.parents[1] / "nlp" / "attribution_verbs.txt"}
GENDERED_NOUNS = FOLDER / "gendered_nouns.tsv"

LISTS = ("addressee_verbs", "attribution_verbs", "bare_clause_lemmas", "belief_verbs",
         "group_words", "infinitive_verbs", "inversion_lemmas", "media_objects", "name_particles", "name_suffixes", "naming_verbs", "no_object_content",
         "non_report_marks", "opening_adverbs", "person_nouns", "pronominal_determiners",
         "question_verbs", "speaker_participles", "speech_events", "speech_nouns", "time_words", "titles",
         "topic_cases", "topic_on_verbs", "weekdays")


@cache
def words(name: str) -> frozenset[str]:
    """The word list ``name`` (see ``LISTS``)."""
    if name not in LISTS:
        raise KeyError(f"no word list {name!r}; the lists are {', '.join(LISTS)}")
    return read_word_list(ELSEWHERE.get(name, FOLDER / f"{name}.txt"))


@cache
def _gender_table(path: Path) -> dict[str, str]:
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, gender = (field.strip() for field in line.split("\t"))
            if gender not in ("f", "m"):
                raise ValueError(f"{path.name}: {line!r}: the gender is f or m")
            table[name.lower()] = gender
    return table


def _first_names() -> dict[str, str]:
    return _gender_table(FIRST_NAMES)


def first_name_gender(name: str) -> str | None:
    """The gender of the first name ``name``, any case: "f" or "m" where ``first_names.tsv`` says it
    is clear, else None: unknown, ambiguous (Jordan, Taylor) or mostly a surname (Martin, May)."""
    return _first_names().get(name.strip().lower())


def noun_gender(word: str) -> str | None:
    """The gender a noun or title says its person has, any case: "f" ("actress", "Mrs."), "m"
    ("congressman", "Mr.") or None (most nouns, and those used for both: "chairman")."""
    return _gender_table(GENDERED_NOUNS).get(word.strip().lower())


# Every list, loaded once here; the rules use these names.
ADDRESSEE_VERBS = words("addressee_verbs")  # 'told [reporters] ...': the object is the addressee
ATTRIBUTION_VERBS = words("attribution_verbs")
BARE_CLAUSE_LEMMAS = words("bare_clause_lemmas")
BELIEF_VERBS = words("belief_verbs")
GROUP_WORDS = words("group_words")
INFINITIVE_VERBS = words("infinitive_verbs")  # 'vowed [to fight]', 'urged [X to act]'
INVERSION_LEMMAS = words("inversion_lemmas")  # '..., said the minister'
MEDIA_OBJECTS = words("media_objects")  # 'tweeted [a picture]': shared, not said
NAME_PARTICLES = words("name_particles")  # 'van der', 'bin', 'al-' inside names
NAME_SUFFIXES = words("name_suffixes")  # 'Jr.', 'III' after names
NAMING_VERBS = words("naming_verbs")
NO_OBJECT_CONTENT = words("no_object_content")  # 'wrote [a letter]': no message in the object
NON_REPORT_MARKS = words("non_report_marks")  # 'said [when] asked': not a report
OPENING_ADVERBS = words("opening_adverbs")
PERSON_NOUNS = words("person_nouns")
PRONOMINAL_DETERMINERS = words("pronominal_determiners")  # '[None] of them said'
QUESTION_VERBS = words("question_verbs")
SPEAKER_PARTICIPLES = words("speaker_participles")  # ', [blaming] the storm': the reporter's act
SPEECH_EVENTS = words("speech_events")  # 'In a statement, X said, ...': the occasion, not the report
SPEECH_NOUNS = words("speech_nouns")  # 'Her answer: "X"'
TIME_WORDS = words("time_words")
TITLES = words("titles")
TOPIC_CASES = words("topic_cases")
TOPIC_ON_VERBS = words("topic_on_verbs")
WEEKDAYS = words("weekdays")

# Personal pronouns: (gender m/f/n or None, number: sg, pl, sg1, pl1, 2).
PRONOUNS: dict[str, tuple[str | None, str]] = {
    "he": ("m", "sg"), "she": ("f", "sg"), "it": ("n", "sg"), "they": (None, "pl"),
    "i": (None, "sg1"), "we": (None, "pl1"), "you": (None, "2"),
    # possessives: the speaker of 'Her answer: "X"'
    "her": ("f", "sg"), "his": ("m", "sg"), "its": ("n", "sg"), "their": (None, "pl"),
}
# Third-person and first-person pronouns a speaker mention can be (a guess without antecedent).
SPEAKER_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i"})
# Pronouns that name a person (he, she, I).
PERSON_PRONOUNS = frozenset({"he", "she", "i", "her", "his"})
GENDERED_PRONOUNS = frozenset({"he", "she", "her", "his"})

# Quote marks (shared with the segmenter and the parser's normalisation): the ground floor's.
from service.document import (ASCII_CLOSING, ASCII_OPENING, CLOSING_DOUBLE,  # noqa: E402,F401
                              CLOSING_SINGLE, OPENING_DOUBLE, OPENING_SINGLE, SINGLE_LOOKALIKES,
                              STRAIGHT_DOUBLE, STRAIGHT_SINGLE)
