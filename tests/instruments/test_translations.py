"""Spanish translations: word for word from the research, scored exactly as English.

Every literal below is copied from /work/shared/instruments-2.md §2.1–2.3 (the reference is
deliberately not read at test time). Mind the characters: en dashes with spaces (U+2013) in
PHQ-9 items 6 and 8, the lower-case "o" after "?" in item 8, the opening "¿" in the stem.
"""

from __future__ import annotations

import copy
import itertools
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from app.config import PROJECT_ROOT
from app.instruments.loader import InstrumentFileError
from app.instruments.registry import InstrumentRegistry
from app.instruments.scoring import score
from app.instruments.translations import load_translation
from tests.instruments.test_loader import startup_refusal

SHIPPED = PROJECT_ROOT / "questionnaires"

ES_STEM = "Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias debido a los siguientes problemas?"
ES_FREQUENCY = ("Ningún día", "Varios días", "Más de la mitad de los días", "Casi todos los días")
ES_DIFFICULTY = ("No ha sido difícil", "Un poco difícil", "Muy difícil", "Extremadamente difícil")
ES_PHQ9_ITEMS = {
    "1": "Poco interés o placer en hacer cosas",
    "2": "Se ha sentido decaído(a), deprimido(a) o sin esperanzas",
    "3": "Ha tenido dificultad para quedarse o permanecer dormido(a), o ha dormido demasiado",
    "4": "Se ha sentido cansado(a) o con poca energía",
    "5": "Sin apetito o ha comido en exceso",
    "6": (
        "Se ha sentido mal con usted mismo(a) – o que es un fracaso o que ha quedado mal con usted mismo(a) "
        "o con su familia"
    ),
    "7": (
        "Ha tenido dificultad para concentrarse en ciertas actividades, tales como leer el periódico o ver "
        "la televisión"
    ),
    "8": (
        "¿Se ha movido o hablado tan lento que otras personas podrían haberlo notado? o lo contrario – muy "
        "inquieto(a) o agitado(a) que ha estado moviéndose mucho más de lo normal"
    ),
    "9": "Pensamientos de que estaría mejor muerto(a) o de lastimarse de alguna manera",
    "10": (
        "Si marcó cualquiera de los problemas, ¿qué tanta dificultad le han dado estos problemas para hacer su "
        "trabajo, encargarse de las tareas del hogar, o llevarse bien con otras personas?"
    ),
}
ES_GAD7_ITEMS = {
    "1": "Se ha sentido nervioso(a), ansioso(a) o con los nervios de punta",
    "2": "No ha sido capaz de parar o controlar su preocupación",
    "3": "Se ha preocupado demasiado por motivos diferentes",
    "4": "Ha tenido dificultad para relajarse",
    "5": "Se ha sentido tan inquieto(a) que no ha podido quedarse quieto(a)",
    "6": "Se ha molestado o irritado fácilmente",
    "7": "Ha tenido miedo de que algo terrible fuera a pasar",
}
ES_PFIZER_NOTICE = (
    "Elaborado por los doctores Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke y colegas, mediante una "
    "subvención educativa otorgada por Pfizer Inc. No se requiere permiso para reproducir, traducir, presentar "
    "o distribuir."
)

# instrument id -> (stem, items, option set key -> labels in printed order)
SPANISH = {
    "phq9": (ES_STEM, ES_PHQ9_ITEMS, {"frequency": ES_FREQUENCY, "difficulty": ES_DIFFICULTY}),
    "phq2": (ES_STEM, {"1": ES_PHQ9_ITEMS["1"], "2": ES_PHQ9_ITEMS["2"]}, {"frequency": ES_FREQUENCY}),
    "gad7": (ES_STEM, ES_GAD7_ITEMS, {"frequency": ES_FREQUENCY}),
}


def test_spanish_is_offered_for_exactly_phq9_phq2_and_gad7(registry):
    offered = {(t.translates, t.language) for t in registry.translations()}

    assert offered == {("phq9", "es"), ("phq2", "es"), ("gad7", "es")}
    assert registry.languages("pss10") == {"en"}
    assert registry.languages("ace") == {"en"}
    assert registry.languages("phq9") == {"en", "es"}


def test_translations_are_not_listed_as_instruments(registry):
    assert sorted(registry) == ["ace", "aceaware", "gad7", "pcl5", "pcptsd5", "phq2", "phq9", "pss10"]
    assert all(loaded.definition.items[0].text[0] != "¿" for loaded in registry.values())
    assert {loaded.definition.stem for loaded in registry.values()}.isdisjoint({ES_STEM})


@pytest.mark.parametrize("instrument_id", sorted(SPANISH))
def test_spanish_items_stem_and_options_are_word_for_word(registry, instrument_id):
    stem, items, option_labels = SPANISH[instrument_id]
    definition = registry.translation(instrument_id, "es").definition

    assert definition.stem == stem
    assert [(item.id, item.text) for item in definition.items] == list(items.items())
    assert {key: tuple(o.label for o in options) for key, options in definition.option_sets.items()} == option_labels


@pytest.mark.parametrize("instrument_id", sorted(SPANISH))
def test_spanish_values_codes_and_rules_are_the_english_ones(registry, instrument_id):
    english = registry[instrument_id].definition
    spanish = registry.translation(instrument_id, "es").definition

    assert spanish.scoring == english.scoring
    assert spanish.code == english.code
    assert spanish.total_code == english.total_code
    assert [(i.id, i.code, i.options, i.scored, i.required_when_total_above) for i in spanish.items] == [
        (i.id, i.code, i.options, i.scored, i.required_when_total_above) for i in english.items
    ]
    for key, options in english.option_sets.items():
        assert [(o.value, o.code) for o in spanish.option_sets[key]] == [(o.value, o.code) for o in options]


@pytest.mark.parametrize("instrument_id", sorted(SPANISH))
def test_spanish_translation_records_its_variant_source_decisions_and_notice(registry, instrument_id):
    translation = registry.translation(instrument_id, "es")

    assert translation.variant == "Pfizer sheet"
    assert "US" not in translation.label
    assert "USA" not in translation.source
    assert translation.source.strip()
    assert translation.decisions
    assert translation.english_version == registry[instrument_id].version
    assert translation.definition.copyright == ES_PFIZER_NOTICE


def test_each_translation_has_its_own_version(registry):
    versions = {t.version for t in registry.translations()} | {loaded.version for loaded in registry.values()}

    assert len(versions) == len(registry) + len(registry.translations())


@pytest.mark.parametrize(
    ("instrument_id", "item_id", "fragment", "present"),
    [
        pytest.param("phq9", "6", "mismo(a) – o que", True, id="phq9-6-en-dash-with-spaces"),
        pytest.param("phq9", "8", "notado? o lo contrario – muy", True, id="phq9-8-lower-case-o-and-en-dash"),
        pytest.param("phq9", "6", "—", False, id="phq9-6-not-the-english-em-dash"),
        pytest.param("phq9", "7", "ver la TV", False, id="phq9-7-not-tv"),
        pytest.param("phq9", "10", "Si marcó cualquiera de los problemas,", True, id="phq9-10-keeps-opening"),
        pytest.param("gad7", "5", "tan inquieto(a)", True, id="gad7-5-keeps-tan"),
    ],
)
def test_spanish_details_that_public_copies_get_wrong(registry, instrument_id, item_id, fragment, present):
    text = registry.translation(instrument_id, "es").definition.item(item_id).text

    assert (fragment in text) is present


def _same_score(registry, instrument_id, answers):
    english = registry[instrument_id]
    spanish = registry.translation(instrument_id, "es")
    from_english = score(english.definition, english.version, answers).to_dict()
    from_spanish = score(spanish.definition, english.version, answers).to_dict()
    assert from_spanish == from_english


@pytest.mark.parametrize("instrument_id", ["phq2", "gad7"])
def test_every_spanish_answer_vector_scores_as_its_english_twin(registry, instrument_id):
    """Exhaustive: every combination of answers, unanswered included."""
    definition = registry[instrument_id].definition
    choices = [[None, *(o.value for o in definition.options_for(item))] for item in definition.items]
    ids = [item.id for item in definition.items]
    for values in itertools.product(*choices):
        _same_score(registry, instrument_id, dict(zip(ids, values, strict=True)))


def test_spanish_phq9_answers_score_as_their_english_twin(registry):
    definition = registry["phq9"].definition
    answers = st.fixed_dictionaries(
        {
            item.id: st.one_of(st.none(), st.sampled_from([o.value for o in definition.options_for(item)]))
            for item in definition.items
        }
    )

    @settings(max_examples=500, deadline=None)
    @given(answers=answers)
    def check(answers):
        _same_score(registry, "phq9", answers)

    check()


# ---- a translation that does not line up with its instrument is refused at start-up


ES_PHQ2 = yaml.safe_load((SHIPPED / "translations" / "es" / "phq2.yaml").read_text(encoding="utf-8"))


def write_es_phq2(root: Path, mutate=None) -> Path:
    raw = copy.deepcopy(ES_PHQ2)
    if mutate:
        mutate(raw)
    folder = root / "translations" / "es"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "phq2.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _drop_item(raw):
    raw["items"].pop()


def _rename_item(raw):
    raw["items"][1]["id"] = "3"


def _drop_option(raw):
    raw["option_sets"]["frequency"].pop()


def _extra_option_set(raw):
    raw["option_sets"]["difficulty"] = ["Muy difícil"]


def _give_a_value(raw):
    raw["option_sets"]["frequency"] = [{"value": 0, "label": "Ningún día"}]


def _give_a_score_rule(raw):
    raw["scoring"] = {"total": {"method": "sum"}}


def _other_language_in_folder(raw):
    raw["language"] = "pt"


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        pytest.param(_drop_item, "items", "do not match", id="item-missing"),
        pytest.param(_rename_item, "items", "do not match", id="item-id-renamed"),
        pytest.param(_drop_option, "option_sets.frequency", "has 3 labels", id="option-missing"),
        pytest.param(_extra_option_set, "option_sets", "do not match", id="option-set-extra"),
        pytest.param(_give_a_value, "option_sets.frequency.0", "string", id="values-not-given-by-hand"),
        pytest.param(_give_a_score_rule, "scoring", "not permitted", id="rules-not-given-by-hand"),
        pytest.param(_other_language_in_folder, "language", "folder", id="language-not-its-folder"),
    ],
)
def test_translation_not_matching_its_instrument_is_refused(registry, tmp_path, mutate, field, words):
    path = write_es_phq2(tmp_path, mutate)

    with pytest.raises(InstrumentFileError) as caught:
        load_translation(path, dict(registry))

    assert caught.value.path == path
    assert caught.value.field == field
    assert words in caught.value.problem


def test_app_refuses_to_start_with_a_translation_that_does_not_match(tmp_path):
    questionnaires = tmp_path / "questionnaires"
    questionnaires.mkdir()
    (questionnaires / "phq2.yaml").write_text((SHIPPED / "phq2.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    write_es_phq2(questionnaires, _drop_item)

    message = startup_refusal(questionnaires, tmp_path)

    assert "translations/es/phq2.yaml" in message
    assert ": items:" in message


def test_registry_without_a_translations_folder_loads(tmp_path):
    (tmp_path / "phq2.yaml").write_text((SHIPPED / "phq2.yaml").read_text(encoding="utf-8"), encoding="utf-8")

    registry = InstrumentRegistry.from_directory(tmp_path)

    assert registry.languages("phq2") == {"en"}
    assert registry.wording("phq2", "es") is registry["phq2"]
