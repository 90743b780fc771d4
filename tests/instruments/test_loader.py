"""Loading questionnaire files: a broken file is refused with one line naming file, field and
problem (at load time and at app start-up), and the version hash follows the content only."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from app import create_app
from app.config import PROJECT_ROOT
from app.instruments.loader import InstrumentFileError, definition_version, load_instrument, read_yaml

SHIPPED = PROJECT_ROOT / "questionnaires"
PHQ9_TEXT = (SHIPPED / "phq9.yaml").read_text(encoding="utf-8")
PHQ9 = yaml.safe_load(PHQ9_TEXT)


def write_phq9(directory: Path, mutate=None, *, name: str = "phq9.yaml") -> Path:
    """A copy of the shipped PHQ-9 with one change, written as `name` into `directory`."""
    raw = copy.deepcopy(PHQ9)
    if mutate:
        mutate(raw)
    path = directory / name
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def drop_first_item_text(raw):
    del raw["items"][0]["text"]


def name_unknown_option_set(raw):
    raw["items"][0]["options"] = "frequencies"


def leave_gap_between_bands(raw):
    raw["scoring"]["bands"][2]["min"] = 11  # mild ends at 9, moderate now starts at 11


def flag_unknown_item(raw):
    raw["scoring"]["flags"][0]["item"] = "11"


def drop_permission(raw):
    del raw["permission"]


def misspell_band_bound(raw):
    raw["scoring"]["bands"][0]["min"] = "zero"


def lines_that_change_the_words(raw):
    raw["items"][5]["lines"] = ["Feeling bad about yourself —", "or that you are a failure"]


def gate_on_a_scored_item(raw):
    raw["scoring"]["gate"] = {
        "item": "1",
        "stop_value": 0,
        "stopped_total": 0,
        "gated_items": ["2"],
        "note": "stopped",
    }


# (breakage, field the error must name, words the problem must contain)
BROKEN_FIELDS = [
    pytest.param(lines_that_change_the_words, "items.5", "must equal the text exactly", id="lines-change-words"),
    pytest.param(drop_first_item_text, "items.0.text", "required", id="item-text-removed"),
    pytest.param(drop_permission, "permission", "required", id="permission-removed"),
    pytest.param(misspell_band_bound, "scoring.bands.0.min", "integer", id="band-bound-not-a-number"),
]
# Cross-reference problems: the message names the offending item, band or option set.
BROKEN_REFERENCES = [
    pytest.param(name_unknown_option_set, ("unknown option set", "'frequencies'"), id="unknown-option-set"),
    pytest.param(leave_gap_between_bands, ("gaps", "'moderate'"), id="bands-leave-a-gap"),
    pytest.param(flag_unknown_item, ("unknown items", "'11'"), id="flag-names-unknown-item"),
    pytest.param(gate_on_a_scored_item, ("gate question", "scored: false"), id="gate-question-scored"),
]
REFERENCE_FIELDS = {
    name_unknown_option_set: "items.0.options",
    leave_gap_between_bands: "scoring.bands.2",
    flag_unknown_item: "scoring.flags.0.item",
    gate_on_a_scored_item: "scoring.gate.item",
}


def load_error(path: Path) -> InstrumentFileError:
    with pytest.raises(InstrumentFileError) as caught:
        load_instrument(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return caught.value


@pytest.mark.parametrize(("mutate", "field", "problem"), BROKEN_FIELDS)
def test_broken_field_is_refused_naming_file_field_and_problem(tmp_path, mutate, field, problem):
    error = load_error(write_phq9(tmp_path, mutate))

    assert "phq9.yaml" in str(error)
    assert error.field == field
    assert f": {field}: " in str(error)
    assert problem in error.problem.lower()


@pytest.mark.parametrize(("mutate", "words"), BROKEN_REFERENCES)
def test_broken_reference_is_refused_naming_file_and_what_is_wrong(tmp_path, mutate, words):
    error = load_error(write_phq9(tmp_path, mutate))

    assert "phq9.yaml" in str(error)
    for word in words:
        assert word in error.problem


@pytest.mark.parametrize(("mutate", "words"), BROKEN_REFERENCES)
def test_broken_reference_error_names_the_field(tmp_path, mutate, words):
    error = load_error(write_phq9(tmp_path, mutate))

    assert error.field == REFERENCE_FIELDS[mutate]
    assert f": {error.field}: " in str(error)


def test_invalid_yaml_is_refused_naming_the_line(tmp_path):
    path = tmp_path / "phq9.yaml"
    path.write_text(PHQ9_TEXT + "caveats: [unclosed\n", encoding="utf-8")

    error = load_error(path)

    assert error.field.startswith("line ")
    assert "not valid YAML" in error.problem


def test_file_that_is_not_a_mapping_is_refused(tmp_path):
    path = tmp_path / "phq9.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")

    error = load_error(path)

    assert "mapping" in error.problem


def test_id_not_matching_the_file_name_is_refused(tmp_path):
    error = load_error(write_phq9(tmp_path, name="phq10.yaml"))

    assert "phq10.yaml" in str(error)
    assert error.field == "id"
    assert "file name" in error.problem


def startup_refusal(questionnaires: Path, tmp_path: Path) -> str:
    """The one-line message the app stops with when started on `questionnaires`."""
    settings = {
        "TESTING": True,
        "QUESTIONNAIRES_DIR": str(questionnaires),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "SECRET_KEY": "test",
    }
    with pytest.raises(SystemExit) as caught:
        create_app(settings)
    message = str(caught.value.code)
    assert "\n" not in message
    return message


def test_app_refuses_to_start_with_one_line_naming_file_and_field(tmp_path):
    broken = tmp_path / "questionnaires"
    broken.mkdir()
    write_phq9(broken, drop_first_item_text)

    message = startup_refusal(broken, tmp_path)

    assert "phq9.yaml" in message
    assert "items.0.text" in message


def test_version_is_stable_for_the_same_content(tmp_path):
    first = load_instrument(write_phq9(tmp_path)).version
    second = load_instrument(write_phq9(tmp_path)).version

    assert first == second
    assert first == load_instrument(SHIPPED / "phq9.yaml").version
    assert first == definition_version(load_instrument(SHIPPED / "phq9.yaml").definition)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param("yourself — or", "yourself - or", id="em-dash-to-hyphen"),
        pytest.param("better off dead or", "better off dead, or", id="comma-added"),
        pytest.param("Poor appetite", "Poor appetitE", id="one-letter"),
    ],
)
def test_version_changes_when_one_character_of_wording_changes(tmp_path, before, after):
    assert PHQ9_TEXT.count(before) == 1
    path = tmp_path / "phq9.yaml"
    path.write_text(PHQ9_TEXT.replace(before, after), encoding="utf-8")

    assert load_instrument(path).version != load_instrument(SHIPPED / "phq9.yaml").version


def test_version_ignores_comments_and_formatting(tmp_path):
    path = tmp_path / "phq9.yaml"
    reformatted = yaml.safe_dump(PHQ9, allow_unicode=True, sort_keys=True, default_flow_style=False, indent=4)
    path.write_text("# a comment that is not part of the instrument\n\n" + reformatted, encoding="utf-8")

    assert path.read_text(encoding="utf-8") != PHQ9_TEXT
    assert load_instrument(path).version == load_instrument(SHIPPED / "phq9.yaml").version


@pytest.mark.parametrize(
    "path", sorted(PROJECT_ROOT.joinpath("questionnaires").rglob("*.yaml")), ids=lambda path: path.name
)
def test_each_file_reads_the_same_with_the_fast_parser_as_with_the_pure_python_one(path):
    """The app reads questionnaires with libyaml's parser where it is built in. A value read
    differently would change an instrument's wording, or its version and so every pin."""
    assert read_yaml(path) == yaml.safe_load(path.read_text(encoding="utf-8"))
