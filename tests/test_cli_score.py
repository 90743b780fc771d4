"""`flask --app app score INSTRUMENT ANSWERS [--aahc …]` through the real CLI.

Expected scores are reference vectors (instruments.md §8): P3 and P5 for the PHQ-9, the ACE
score-3 rows for the ACEs Aware tier (now on the ACEs Aware form, instruments-2.md §1.5), the
GAD-7 row at 10; the PC-PTSD-5 and PCL-5 rows follow instruments-2.md §3 and §4.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The flask script of the environment running the tests (make test: .venv/bin/flask).
FLASK = Path(sys.executable).parent / "flask"
ALWAYS_PRINTED = {"instrument", "version", "total", "band", "flags"}


@pytest.fixture(scope="module")
def cli_app(tmp_path_factory):
    """An app on the shipped questionnaires; `score` touches no database, so none is migrated."""
    database = tmp_path_factory.mktemp("cli") / "unused.sqlite3"
    return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "test"})


@pytest.fixture(scope="module")
def score_cli(cli_app):
    runner = cli_app.test_cli_runner()

    def score_cli(*args: str):
        return runner.invoke(args=["score", *args])

    return score_cli


def printed_json(result) -> dict:
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ["phq9", "0,0,0,0,0,0,0,0,1"],  # P3: item 9 alone, total 1
            {"total": 1, "band": "minimal", "flags": ["suicidal_ideation"], "syndrome": None},
            id="phq9-nine-answers",
        ),
        pytest.param(
            ["phq9", "2,2,2,2,1,0,0,0,1,2"],  # P5 + item 10: 2+2+2+2+1+0+0+0+1 = 10, item 10 not counted
            {"total": 10, "band": "moderate", "flags": ["suicidal_ideation"], "syndrome": "major", "complete": True},
            id="phq9-ten-answers",
        ),
        pytest.param(
            ["phq9", "0,0,,0,0,0,0,0,1"],  # item 3 left empty: unanswered, no total, flag still raised
            {"total": None, "band": None, "flags": ["suicidal_ideation"], "syndrome": None, "unanswered": ["3"]},
            id="phq9-empty-value-is-unanswered",
        ),
        pytest.param(
            ["ace", "1,1,1,1,0,0,0,0,0,0"],  # CDC-Kaiser: 4 Yes, a count with no tier
            {"total": 4, "band": None, "flags": []},
            id="ace-count-without-tier",
        ),
        pytest.param(
            ["aceaware", "1,1,1,0,0,0,0,0,0,0", "--aahc", "yes"],  # 3 Yes with an AAHC
            {"total": 3, "band": "intermediate", "flags": []},
            id="aceaware-aahc-yes",
        ),
        pytest.param(
            ["aceaware", "1,1,1,0,0,0,0,0,0,0,2", "--aahc", "no"],  # 3 Yes without an AAHC; self-rating "A Lot"
            {"total": 3, "band": "low", "flags": []},
            id="aceaware-aahc-no-with-self-rating",
        ),
        pytest.param(
            ["aceaware", "1,1,1,1,0,0,0,0,0,0", "--aahc", "unknown"],  # 4 or more: high whatever the AAHC
            {"total": 4, "band": "high"},
            id="aceaware-four-high",
        ),
        pytest.param(
            ["pcptsd5", "0,,,,,"],  # exposure No: "screen total = 0", five items not asked
            {"total": 0, "band": "negative", "complete": True, "stopped_at_gate": True},
            id="pcptsd5-exposure-no",
        ),
        pytest.param(
            ["pcptsd5", "1,1,1,1,0,0"],  # 3 Yes: below the default cut-off of 4
            {"total": 3, "band": "negative", "cut_off": 4},
            id="pcptsd5-three",
        ),
        pytest.param(
            ["pcptsd5", "1,1,1,1,1,0"],  # 4 Yes: at the default cut-off
            {"total": 4, "band": "positive", "cut_off": 4},
            id="pcptsd5-four",
        ),
        pytest.param(
            # 1 B (item 1), 1 C (6), 2 D (8, 9), 2 E (15, 16) at "Moderately": 6 × 2 = 12
            ["pcl5", "2,0,0,0,0,2,0,2,2,0,0,0,0,0,2,2,0,0,0,0"],
            {
                "total": 12,
                "band": "below_cut_off",
                "subscales": {"B": 2, "C": 2, "D": 4, "E": 4},
                "syndrome": "provisional_ptsd",
            },
            id="pcl5-provisional",
        ),
        pytest.param(
            ["gad7", "2,2,2,2,2,0,0"],  # 5 × 2 = 10
            {"total": 10, "band": "moderate", "flags": ["further_evaluation"]},
            id="gad7",
        ),
    ],
)
def test_score_prints_one_json_object_with_the_result(score_cli, registry, args, expected):
    printed = printed_json(score_cli(*args))

    assert printed.keys() >= ALWAYS_PRINTED
    assert ("syndrome" in printed) is (args[0] in {"phq9", "pcl5"})
    assert printed["instrument"] == args[0]
    assert printed["version"] == registry[args[0]].version
    assert {key: printed[key] for key in expected} == expected


def test_aces_aware_without_aahc_prints_no_tier_and_a_note(score_cli):
    printed = printed_json(score_cli("aceaware", "1,1,1,0,0,0,0,0,0,0"))

    assert printed["total"] == 3
    assert printed["band"] is None
    assert any("AAHC" in note for note in printed["notes"])


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(["phq10", "0"], ["unknown instrument", "phq10"], id="unknown-instrument"),
        pytest.param(["phq9", "0,0,0"], ["PHQ-9", "9 or 10", "got 3"], id="too-few-answers"),
        pytest.param(["phq9", ",".join("0" * 11)], ["9 or 10", "got 11"], id="too-many-answers"),
        pytest.param(["gad7", ",".join("0" * 8)], ["GAD-7", "7", "got 8"], id="gad7-has-no-item-10"),
        pytest.param(["phq9", "4,0,0,0,0,0,0,0,0"], ["item 1", "4"], id="value-above-scale"),
        pytest.param(["phq9", "0,0,0,0,0,0,0,0,-1"], ["item 9", "-1"], id="negative-value"),
        pytest.param(["phq9", "--", "-1,0,0,0,0,0,0,0,0"], ["item 1", "-1"], id="negative-first-value-after-dashes"),
        pytest.param(["phq9", "-1,0,0,0,0,0,0,0,0"], ["item 1", "-1"], id="negative-first-value"),
        pytest.param(
            ["aceaware", "1,0,0,0,0,0,0,0,0,0", "--aahc", "maybe"], ["maybe", "yes"], id="aahc-not-yes-no-unknown"
        ),
        pytest.param(["ace", "1,0,0,0,0,0,0,0,0,0", "--aahc", "yes"], ["--aahc", "ACE"], id="aahc-refused-for-ace"),
        pytest.param(["phq9", "0,0,0,0,0,0,0,0,0", "--aahc", "no"], ["--aahc", "PHQ-9"], id="aahc-refused-for-phq9"),
        pytest.param(["pcptsd5", "0,1,,,,"], ["item 1", "not asked", "'No'"], id="pcptsd5-answer-after-exposure-no"),
        pytest.param(["pcptsd5", "0,0,0,0,0,0"], ["items 1, 2, 3, 4, 5", "not asked"], id="pcptsd5-all-after-no"),
        pytest.param(["pcptsd5", "1,1,1,1,1"], ["PC-PTSD-5", "6", "got 5"], id="pcptsd5-needs-exposure-first"),
        pytest.param(["pcptsd5", "2,1,1,1,1,1"], ["item exposure", "2"], id="pcptsd5-exposure-not-yes-or-no"),
        pytest.param(["pcl5", ",".join("5" * 20)], ["item 1", "5"], id="pcl5-above-extremely"),
        pytest.param(["pcl5", ",".join("0" * 19)], ["PCL-5", "20", "got 19"], id="pcl5-too-few"),
        pytest.param(["phq9", "0,0,0,0,0,0,0,0,0,4"], ["item 10", "4"], id="difficulty-above-scale"),
        pytest.param(["ace", "2,0,0,0,0,0,0,0,0,0"], ["item 1", "2"], id="ace-value-not-yes-or-no"),
        pytest.param(["phq9", "a,0,0,0,0,0,0,0,0"], ["item 1", "'a'", "not a number"], id="not-a-number"),
        pytest.param(["phq9", "1.5,0,0,0,0,0,0,0,0"], ["item 1", "not a number"], id="decimal"),
    ],
)
def test_bad_input_exits_non_zero_with_one_line_on_stderr(score_cli, args, words):
    result = score_cli(*args)

    assert result.exit_code != 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    for word in words:
        assert word in lines[0]


def test_real_command_prints_parseable_json(tmp_path):
    environment = {
        **os.environ,
        "SECRET_KEY": "test",  # so start-up writes no key file into instance/
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }
    environment.pop("TALLYFORM_QUESTIONNAIRES_DIR", None)

    completed = subprocess.run(
        [str(FLASK), "--app", "app", "score", "phq9", "0,0,0,0,0,0,0,0,1"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    printed = json.loads(completed.stdout)
    assert (printed["instrument"], printed["total"], printed["band"]) == ("phq9", 1, "minimal")
    assert printed["flags"] == ["suicidal_ideation"]
