"""The contract every questionnaires/*.yaml file keeps, checked for each file found on disk.

A new instrument gets these checks by being added to the directory: it loads; the lowest and
highest possible answers score to the ends of its own total_range; every band's bounds are
classified into that band; options have distinct values; no item text is empty.
"""

from __future__ import annotations

import pytest

from app.config import PROJECT_ROOT
from app.instruments.loader import load_instrument
from app.instruments.scoring import score

FILES = sorted((PROJECT_ROOT / "questionnaires").glob("*.yaml"))
CUT_OFF_FILES = [path for path in FILES if load_instrument(path).definition.scoring.cut_off]


@pytest.fixture(params=FILES, ids=lambda path: path.name)
def loaded(request):
    return load_instrument(request.param)


def points(definition, item, value: int) -> int:
    """What one answer adds to the total under the file's own rule (sum with reversed items, or count)."""
    rule = definition.scoring.total
    if rule.method == "count_at_least":
        return int(value >= rule.count_value)
    return rule.reverse_from - value if item.id in rule.reverse_items else value


def values_by_points(definition, item) -> list[int]:
    """The item's option values, the one scoring fewest points first."""
    values = [option.value for option in definition.options_for(item)]
    return sorted(values, key=lambda value: points(definition, item, value))


def opened_gate(definition) -> dict[str, int]:
    """The gate question (if the file has one) answered so that its items are asked."""
    gate = definition.scoring.gate
    if gate is None:
        return {}
    values = [option.value for option in definition.options_for(definition.item(gate.item))]
    return {gate.item: next(value for value in values if value != gate.stop_value)}


def answers_adding_up_to(definition, target: int) -> dict[str, int]:
    """A complete response whose total is `target`: each item takes the most points still needed."""
    answers, needed = opened_gate(definition), target
    for item in definition.scored_items:
        values = values_by_points(definition, item)
        fitting = [value for value in values if points(definition, item, value) <= needed] or values[:1]
        answers[item.id] = fitting[-1]
        needed -= points(definition, item, fitting[-1])
    assert needed == 0, f"no response adds up to {target}"
    return answers


def extreme_answers(definition, position: int) -> dict[str, int]:
    """Every scored item answered with its lowest-scoring (position 0) or highest-scoring (-1) option."""
    return opened_gate(definition) | {
        item.id: values_by_points(definition, item)[position] for item in definition.scored_items
    }


def clinician_inputs_for(definition):
    """Every way the band can be settled: no input, or each value of the file's clinician input."""
    wanted = definition.scoring.clinician_input
    return [None] + ([{wanted.key: value} for value in wanted.values] if wanted else [])


def test_loads_with_id_matching_file_name(loaded):
    assert loaded.id == loaded.path.stem
    assert len(loaded.version) == 64


@pytest.mark.parametrize(("position", "end"), [(0, 0), (-1, 1)], ids=["lowest", "highest"])
def test_extreme_answers_score_to_the_ends_of_total_range(loaded, position, end):
    definition = loaded.definition

    result = score(definition, loaded.version, extreme_answers(definition, position))

    assert result.total == definition.total_range[end]
    assert (result.total_min, result.total_max) == definition.total_range


def test_every_band_boundary_is_classified_into_its_band(loaded):
    definition = loaded.definition
    for band in definition.scoring.bands:
        for boundary in (band.min, band.max):
            answers = answers_adding_up_to(definition, boundary)
            for inputs in clinician_inputs_for(definition):
                result = score(definition, loaded.version, answers, inputs)
                assert result.total == boundary
                if band.by_input is None:
                    expected = band.key
                else:
                    # No input at all is read as "unknown": the band waits for it.
                    input_value = (inputs or {}).get(definition.scoring.clinician_input.key, "unknown")
                    expected = band.by_input.get(input_value)
                assert result.band == expected, f"{band.key} at {boundary} with {inputs}"


@pytest.mark.parametrize("path", CUT_OFF_FILES, ids=lambda path: path.name)
def test_a_clinic_chosen_cut_off_puts_each_choice_in_the_band_at_or_above_it(path):
    loaded = load_instrument(path)
    definition = loaded.definition
    cut_off = definition.scoring.cut_off
    for choice in cut_off.values:
        at = score(definition, loaded.version, answers_adding_up_to(definition, choice), cut_off=choice)
        below = score(definition, loaded.version, answers_adding_up_to(definition, choice - 1), cut_off=choice)
        assert (at.band, below.band) == (cut_off.at_or_above.key, cut_off.below.key), choice


def test_every_item_offers_options_with_distinct_values(loaded):
    definition = loaded.definition
    for item in definition.items:
        values = [option.value for option in definition.options_for(item)]
        assert values, f"item {item.id} has no options"
        assert len(set(values)) == len(values), f"item {item.id}"


def test_every_item_text_is_non_empty(loaded):
    for item in loaded.definition.items:
        assert item.text.strip(), f"item {item.id}"


def test_every_option_label_is_non_empty(loaded):
    for key, options in loaded.definition.option_sets.items():
        assert all(option.label.strip() for option in options), key
