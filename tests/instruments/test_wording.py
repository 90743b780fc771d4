"""Golden test: the questionnaire files carry the verified wording, word for word.

The ACEs Aware form, the PC-PTSD-5 and the PCL-5 are copied from /work/shared/instruments-2.md
(§1.2, §3, §4): mind the em dashes without spaces in the ACEs Aware preamble, "event(s)" (never
"events(s)") in the PC-PTSD-5, and straight quotes around "superalert" in PCL-5 item 17.

Every literal below is copied from /work/shared/instruments.md (§1.1, §1.2, §1.8, §2, §3, §4.1,
§4.2, §5.2 and Decisions 1–7); the reference is deliberately not read at test time. Mind the
characters: em dashes with spaces (U+2014) in PHQ-9 items 6 and 8, the ellipsis (U+2026) in the
ACE items, straight quotes around "stressed" in PSS-10 item 3.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

PHQ_STEM = "Over the last 2 weeks, how often have you been bothered by any of the following problems?"

# (value, label as printed, LOINC answer code), PHQ-9 §1.1; the same list serves PHQ-2 and GAD-7 (§2, §3).
PHQ_FREQUENCY = (
    (0, "Not at all", "LA6568-5"),
    (1, "Several days", "LA6569-3"),
    (2, "More than half the days", "LA6570-1"),
    (3, "Nearly every day", "LA6571-9"),
)
# PHQ-9 item 10, §1.2: printed order; the codes are not in numeric order.
PHQ9_DIFFICULTY = (
    ("Not difficult at all", "LA6572-7"),
    ("Somewhat difficult", "LA6573-5"),
    ("Very difficult", "LA6575-0"),
    ("Extremely difficult", "LA6574-3"),
)
PSS_FREQUENCY = (
    (0, "Never", None),
    (1, "Almost Never", None),
    (2, "Sometimes", None),
    (3, "Fairly Often", None),
    (4, "Very Often", None),
)
IN_THE_LAST_MONTH = "In the last month, how often have you "  # how every PSS-10 item opens (§4.2)
ACE_YES_NO = {(1, "Yes", None), (0, "No", None)}  # 1 = Yes (§8.6)

PFIZER_NOTICE = (
    "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an "
    "educational grant from Pfizer Inc. No permission required to reproduce, translate, display or distribute."
)


@dataclass(frozen=True)
class Form:
    stem: str | None
    items: dict[str, str]  # item id -> text as printed
    options: tuple  # (value, label, code) of every scored item's options
    panel: tuple[str, str | None]  # (code system, code); None: the code itself is not pinned
    total: tuple[str, str | None]
    item_codes: dict[str, str] = field(default_factory=dict)  # item id -> LOINC question code


PHQ9_ITEMS = {
    "1": "Little interest or pleasure in doing things",
    "2": "Feeling down, depressed, or hopeless",
    "3": "Trouble falling or staying asleep, or sleeping too much",
    "4": "Feeling tired or having little energy",
    "5": "Poor appetite or overeating",
    "6": "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
    "7": "Trouble concentrating on things, such as reading the newspaper or watching television",
    "8": (
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety "
        "or restless that you have been moving around a lot more than usual"
    ),
    "9": "Thoughts that you would be better off dead or of hurting yourself in some way",
    "10": (
        "If you checked off any problems, how difficult have these problems made it for you to do your work, "
        "take care of things at home, or get along with other people?"
    ),
}
PHQ9_ITEM_CODES = {
    "1": "44250-9",
    "2": "44255-8",
    "3": "44259-0",
    "4": "44254-1",
    "5": "44251-7",
    "6": "44258-2",
    "7": "44252-5",
    "8": "44253-3",
    "9": "44260-8",
    "10": "69722-7",
}

FORMS = {
    "phq9": Form(
        stem=PHQ_STEM,
        items=PHQ9_ITEMS,
        options=PHQ_FREQUENCY,
        panel=("loinc", "44249-1"),
        total=("loinc", "44261-6"),
        item_codes=PHQ9_ITEM_CODES,
    ),
    "phq2": Form(
        stem=PHQ_STEM,
        items={"1": PHQ9_ITEMS["1"], "2": PHQ9_ITEMS["2"]},
        options=PHQ_FREQUENCY,
        panel=("loinc", "55757-9"),
        total=("loinc", "55758-7"),
        item_codes={"1": "44250-9", "2": "44255-8"},
    ),
    "gad7": Form(
        stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
        items={
            "1": "Feeling nervous, anxious or on edge",
            "2": "Not being able to stop or control worrying",
            "3": "Worrying too much about different things",
            "4": "Trouble relaxing",
            "5": "Being so restless that it is hard to sit still",
            "6": "Becoming easily annoyed or irritable",
            "7": "Feeling afraid as if something awful might happen",
        },
        options=PHQ_FREQUENCY,
        panel=("loinc", "69737-5"),
        total=("loinc", "70274-6"),
        item_codes={
            "1": "69725-0",
            "2": "68509-9",
            "3": "69733-4",
            "4": "69734-2",
            "5": "69735-9",
            "6": "69689-8",
            "7": "69736-7",
        },
    ),
    "pss10": Form(
        stem=None,
        items={
            "1": IN_THE_LAST_MONTH + "been upset because of something that happened unexpectedly?",
            "2": IN_THE_LAST_MONTH + "felt that you were unable to control the important things in your life?",
            "3": IN_THE_LAST_MONTH + 'felt nervous and "stressed"?',
            "4": IN_THE_LAST_MONTH + "felt confident about your ability to handle your personal problems?",
            "5": IN_THE_LAST_MONTH + "felt that things were going your way?",
            "6": IN_THE_LAST_MONTH + "found that you could not cope with all the things that you had to do?",
            "7": IN_THE_LAST_MONTH + "been able to control irritations in your life?",
            "8": IN_THE_LAST_MONTH + "felt that you were on top of things?",
            "9": IN_THE_LAST_MONTH + "been angered because of things that were outside of your control?",
            "10": IN_THE_LAST_MONTH + "felt difficulties were piling up so high that you could not overcome them?",
        },
        options=PSS_FREQUENCY,
        panel=("local", None),
        total=("local", None),
    ),
    "ace": Form(
        stem="While you were growing up, during your first 18 years of life:",
        items={
            "1": (
                "Did a parent or other adult in the household often or very often… Swear at you, insult you, put you "
                "down, or humiliate you? or Act in a way that made you afraid that you might be physically hurt?"
            ),
            "2": (
                "Did a parent or other adult in the household often or very often… Push, grab, slap, or throw "
                "something at you? or Ever hit you so hard that you had marks or were injured?"
            ),
            "3": (
                "Did an adult or person at least 5 years older than you ever… Touch or fondle you or have you touch "
                "their body in a sexual way? or Attempt or actually have oral, anal, or vaginal intercourse with you?"
            ),
            "4": (
                "Did you often or very often feel that… No one in your family loved you or thought you were important "
                "or special? or Your family didn't look out for each other, feel close to each other, or support each "
                "other?"
            ),
            "5": (
                "Did you often or very often feel that… You didn't have enough to eat, had to wear dirty clothes, and "
                "had no one to protect you? or Your parents were too drunk or high to take care of you or take you to "
                "the doctor if you needed it?"
            ),
            "6": "Were your parents ever separated or divorced?",
            "7": (
                "Was your mother or stepmother: Often or very often pushed, grabbed, slapped, or had something thrown "
                "at her? or Sometimes, often, or very often kicked, bitten, hit with a fist, or hit with something "
                "hard? or Ever repeatedly hit at least a few minutes or threatened with a gun or knife?"
            ),
            "8": "Did you live with anyone who was a problem drinker or alcoholic or who used street drugs?",
            "9": "Was a household member depressed or mentally ill, or did a household member attempt suicide?",
            "10": "Did a household member go to prison?",
        },
        options=ACE_YES_NO,
        panel=("local", None),
        total=("local", None),
    ),
}
YES_NO_CODED = ((1, "Yes", "LA33-6"), (0, "No", "LA32-8"))  # instruments-2.md §1.6
PCL5_OPTIONS = (
    (0, "Not at all", None),
    (1, "A little bit", None),
    (2, "Moderately", None),
    (3, "Quite a bit", None),
    (4, "Extremely", None),
)
FORMS["aceaware"] = Form(
    stem=None,
    items={
        "1": (
            "Did you feel that you didn't have enough to eat, had to wear dirty clothes, or had no one to protect "
            "or take care of you?"
        ),
        "2": "Did you lose a parent through divorce, abandonment, death, or other reason?",
        "3": "Did you live with anyone who was depressed, mentally ill, or attempted suicide?",
        "4": "Did you live with anyone who had a problem with drinking or using drugs, including prescription drugs?",
        "5": "Did your parents or adults in your home ever hit, punch, beat, or threaten to harm each other?",
        "6": "Did you live with anyone who went to jail or prison?",
        "7": "Did a parent or adult in your home ever swear at you, insult you, or put you down?",
        "8": "Did a parent or adult in your home ever hit, beat, kick, or physically hurt you in any way?",
        "9": "Did you feel that no one in your family loved you or thought you were special?",
        "10": (
            "Did you experience unwanted sexual contact (such as fondling or oral/anal/vaginal "
            "intercourse/penetration)?"
        ),
        "self_rating": "Do you believe that these experiences have affected your health?",
    },
    options=YES_NO_CODED,
    panel=("local", None),
    total=("local", None),
)
FORMS["pcptsd5"] = Form(
    stem="In the past month have you:",
    items={
        "exposure": "Have you ever experienced this kind of event?",
        "1": "Had nightmares about the event(s) or thought about the event(s) when you did not want to?",
        "2": (
            "Tried hard not to think about the event(s) or went out of your way to avoid situations that reminded "
            "you of the event(s)?"
        ),
        "3": "Been constantly on guard, watchful, or easily startled?",
        "4": "Felt numb or detached from people, activities, or your surroundings?",
        "5": (
            "Felt guilty or unable to stop blaming yourself or others for the event(s) or any problems the event(s) "
            "may have caused?"
        ),
    },
    options=((1, "Yes", None), (0, "No", None)),
    panel=("local", None),
    total=("local", None),
)
FORMS["pcl5"] = Form(
    stem="In the past month, how much were you bothered by:",
    items={
        "1": "Repeated, disturbing, and unwanted memories of the stressful experience?",
        "2": "Repeated, disturbing dreams of the stressful experience?",
        "3": (
            "Suddenly feeling or acting as if the stressful experience were actually happening again (as if you were "
            "actually back there reliving it)?"
        ),
        "4": "Feeling very upset when something reminded you of the stressful experience?",
        "5": (
            "Having strong physical reactions when something reminded you of the stressful experience (for example, "
            "heart pounding, trouble breathing, sweating)?"
        ),
        "6": "Avoiding memories, thoughts, or feelings related to the stressful experience?",
        "7": (
            "Avoiding external reminders of the stressful experience (for example, people, places, conversations, "
            "activities, objects, or situations)?"
        ),
        "8": "Trouble remembering important parts of the stressful experience?",
        "9": (
            "Having strong negative beliefs about yourself, other people, or the world (for example, having thoughts "
            "such as: I am bad, there is something seriously wrong with me, no one can be trusted, the world is "
            "completely dangerous)?"
        ),
        "10": "Blaming yourself or someone else for the stressful experience or what happened after it?",
        "11": "Having strong negative feelings such as fear, horror, anger, guilt, or shame?",
        "12": "Loss of interest in activities that you used to enjoy?",
        "13": "Feeling distant or cut off from other people?",
        "14": (
            "Trouble experiencing positive feelings (for example, being unable to feel happiness or have loving "
            "feelings for people close to you)?"
        ),
        "15": "Irritable behavior, angry outbursts, or acting aggressively?",
        "16": "Taking too many risks or doing things that could cause you harm?",
        "17": 'Being "superalert" or watchful or on guard?',
        "18": "Feeling jumpy or easily startled?",
        "19": "Having difficulty concentrating?",
        "20": "Trouble falling or staying asleep?",
    },
    options=PCL5_OPTIONS,
    panel=("local", None),
    total=("local", None),
)
INSTRUMENTS = sorted(FORMS)


@pytest.fixture(params=INSTRUMENTS)
def form_and_definition(request, registry):
    return FORMS[request.param], registry[request.param].definition


def test_every_installed_instrument_has_its_verified_wording_here(registry):
    assert set(registry) == set(FORMS)


def test_item_texts_match_the_verified_form(form_and_definition):
    form, definition = form_and_definition

    assert {item.id: item.text for item in definition.items} == form.items


def test_items_keep_printed_order(form_and_definition):
    form, definition = form_and_definition

    assert [item.id for item in definition.items] == list(form.items)


def test_stem_matches_the_verified_form(form_and_definition):
    form, definition = form_and_definition

    assert definition.stem == form.stem


def test_scored_items_offer_the_verified_option_values_labels_and_codes(form_and_definition):
    form, definition = form_and_definition

    for item in definition.scored_items:
        offered = tuple((option.value, option.label, option.code) for option in definition.options_for(item))
        if isinstance(form.options, set):  # order not pinned by the reference (ACE Yes/No)
            offered = set(offered)
        assert offered == form.options, f"item {item.id}"


def test_phq9_difficulty_item_offers_the_verified_labels_and_codes_in_printed_order(registry):
    definition = registry["phq9"].definition
    item = definition.item("10")

    assert not item.scored
    assert tuple((option.label, option.code) for option in definition.options_for(item)) == PHQ9_DIFFICULTY


def test_items_carry_the_verified_loinc_question_codes_and_no_invented_ones(form_and_definition):
    form, definition = form_and_definition

    assert {item.id: item.code for item in definition.items if item.code} == form.item_codes


def test_panel_and_total_codes_are_verified_loinc_or_local(form_and_definition):
    form, definition = form_and_definition

    for coding, (system, code) in [(definition.code, form.panel), (definition.total_code, form.total)]:
        assert coding is not None
        assert coding.system == system
        if code is not None:
            assert coding.code == code


@pytest.mark.parametrize(
    ("instrument_id", "item_id", "fragment", "present"),
    [
        pytest.param("phq9", "6", "yourself — or that", True, id="phq9-6-em-dash-with-spaces"),
        pytest.param("phq9", "8", "noticed? Or the opposite — being", True, id="phq9-8-question-mark-and-em-dash"),
        pytest.param("phq9", "9", "dead,", False, id="phq9-9-no-comma-after-dead"),
        pytest.param("phq9", "6", "-", False, id="phq9-6-no-hyphen-for-the-dash"),
        pytest.param("gad7", "1", "anxious,", False, id="gad7-1-no-comma-after-anxious"),
        pytest.param("gad7", "7", "Feeling afraid as if", True, id="gad7-7-keeps-afraid"),
        pytest.param("pss10", "3", '"stressed"', True, id="pss10-3-quotes-around-stressed"),
        pytest.param("pss10", "9", "that happened", False, id="pss10-9-not-the-pss14-wording"),
    ],
)
def test_wording_details_that_public_copies_get_wrong(registry, instrument_id, item_id, fragment, present):
    text = registry[instrument_id].definition.item(item_id).text

    assert (fragment in text) is present


@pytest.mark.parametrize("item_id", [str(n) for n in range(1, 10)])
def test_phq9_items_have_no_terminal_punctuation(registry, item_id):
    assert registry["phq9"].definition.item(item_id).text[-1].isalpha()


@pytest.mark.parametrize("instrument_id", INSTRUMENTS)
def test_file_records_permission_source_and_citation(registry, instrument_id):
    definition = registry[instrument_id].definition

    assert definition.permission.strip()
    assert definition.source.strip()
    assert definition.citations
    assert all(citation.strip() for citation in definition.citations)


@pytest.mark.parametrize("instrument_id", ["phq9", "phq2", "gad7"])
def test_pfizer_instruments_keep_the_copyright_notice(registry, instrument_id):
    assert registry[instrument_id].definition.copyright == PFIZER_NOTICE


def test_pss10_instructions_are_the_sheet_text_without_the_paper_marking_phrase(registry):
    """§4.1: "by circling" is a paper instruction; dropping it on screen must be a recorded decision."""
    sheet = (
        "The questions in this scale ask you about your feelings and thoughts during the last month. "
        "In each case, you will be asked to indicate by circling how often you felt or thought a certain way."
    )
    definition = registry["pss10"].definition

    assert definition.instructions == sheet.replace("by circling ", "")
    assert any("by circling" in decision for decision in definition.decisions)


def test_aces_aware_preamble_closing_and_self_rating_as_printed(registry):
    """instruments-2.md §1.2: the identified form's three preamble sentences, its closing, and the
    unscored self-rating with its three printed choices."""
    definition = registry["aceaware"].definition

    assert definition.instructions == (
        "Our relationships and experiences—even those in childhood—can affect our health and well-being. "
        "Difficult childhood experiences are very common. Please tell us whether you have had any of the "
        "experiences listed below, as they may be affecting your health today or may affect your health in the "
        "future."
    )
    assert definition.closing == (
        "Experiences in childhood are just one part of a person's life story. There are many ways to heal "
        "throughout one's life."
    )
    self_rating = definition.item("self_rating")
    assert not self_rating.scored
    assert [option.label for option in definition.options_for(self_rating)] == ["Not Much", "Some", "A Lot"]
    assert definition.title.startswith("Adverse Childhood Experience Questionnaire for Adults")


def test_pc_ptsd5_exposure_preamble_as_printed_and_gate_not_introduced_by_the_stem(registry):
    """instruments-2.md §3: the preamble with its six examples, "suicide." with its full stop."""
    definition = registry["pcptsd5"].definition

    assert definition.instructions.splitlines() == [
        "Sometimes things happen to people that are unusually or especially frightening, horrible, or traumatic. "
        "For example:",
        "- a serious accident or fire",
        "- a physical or sexual assault or abuse",
        "- an earthquake or flood",
        "- a war",
        "- seeing someone be killed or seriously injured",
        "- having a loved one die through homicide or suicide.",
    ]
    exposure = definition.item("exposure")
    assert not exposure.shows_stem
    assert not exposure.scored
    assert "events(s)" not in " ".join(item.text for item in definition.items)


def test_pcl5_instructions_keep_the_first_sentence_and_record_the_paper_one(registry):
    definition = registry["pcl5"].definition

    assert definition.instructions == (
        "Below is a list of problems that people sometimes have in response to a very stressful experience."
    )
    assert any("circle one of the numbers to the right" in decision for decision in definition.decisions)


# §5.2 Version A: the lead-in, then each alternative with "or" between them, as the form lays them out.
ACE_LINES = {
    "1": [
        "Did a parent or other adult in the household often or very often…",
        "Swear at you, insult you, put you down, or humiliate you?",
        "or",
        "Act in a way that made you afraid that you might be physically hurt?",
    ],
    "7": [
        "Was your mother or stepmother:",
        "Often or very often pushed, grabbed, slapped, or had something thrown at her?",
        "or",
        "Sometimes, often, or very often kicked, bitten, hit with a fist, or hit with something hard?",
        "or",
        "Ever repeatedly hit at least a few minutes or threatened with a gun or knife?",
    ],
}


@pytest.mark.parametrize("item_id", sorted(ACE_LINES))
def test_ace_alternatives_are_laid_out_line_by_line_with_the_words_unchanged(registry, item_id):
    item = registry["ace"].definition.item(item_id)

    assert list(item.lines) == ACE_LINES[item_id]
    assert " ".join(item.lines) == FORMS["ace"].items[item_id]


def test_every_ace_item_with_alternatives_has_lines_and_no_other_does(registry):
    with_or = {item.id for item in registry["ace"].definition.items if item.lines}

    assert with_or == {"1", "2", "3", "4", "5", "7"}
