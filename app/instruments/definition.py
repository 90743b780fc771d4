"""The shape every questionnaires/*.yaml file must have.

An instrument is data: wording, options, scoring rules, bands, flags, codes and
citation all live in its YAML file. These models validate that file once, at
start-up, and are frozen afterwards so nothing can alter an instrument in flight.
Every scoring rule is a general rule type selected by the file; no code here or in
scoring.py knows any instrument by name.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer, model_validator


class DefinitionError(ValueError):
    """A cross-reference problem, with the path of the field at fault, so the start-up
    message can name it (pydantic gives whole-model errors no location)."""

    def __init__(self, field: str, problem: str):
        self.field = field
        super().__init__(problem)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    # Fields added after instruments were first pinned: left out of the dump (and so of the
    # version hash) while they hold their default, so adding a rule type to the schema does
    # not turn every unchanged questionnaire into a "new version".
    _omit_when_default: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _dump_without_unused_additions(self, handler):
        data = handler(self)
        for name in self._omit_when_default:
            if name in data and getattr(self, name) == type(self).model_fields[name].get_default(
                call_default_factory=True
            ):
                del data[name]
        return data


class Coding(Frozen):
    """A code in a terminology. `system` is "loinc" or "local" (Tallyform's own
    code system, used where no verified LOINC code exists: we never invent one)."""

    system: Literal["loinc", "local", "snomed"]
    code: str = Field(min_length=1)
    display: str | None = None


class Option(Frozen):
    value: int
    label: str = Field(min_length=1)
    code: str | None = None  # LOINC answer code, only where verified


class Item(Frozen):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    text: str = Field(min_length=1)
    options: str  # key into Instrument.option_sets
    code: str | None = None  # LOINC question code, only where verified
    scored: bool = True
    # An unscored item may be required only once the total passes a value
    # (PHQ-9 item 10: asked "if you checked off any problems").
    required_when_total_above: int | None = None
    # False for an item the instrument's stem does not introduce (a gate question asked
    # before the stem, such as an exposure question).
    shows_stem: bool = True
    # The item's words split into the lines the printed form lays them out on (alternatives
    # joined by "or"); joined with single spaces they must give `text` exactly.
    lines: tuple[str, ...] = ()

    _omit_when_default: ClassVar[frozenset[str]] = frozenset({"shows_stem", "lines"})

    @model_validator(mode="after")
    def _lines_keep_the_words(self) -> Item:
        if self.lines and " ".join(self.lines) != self.text:
            raise ValueError(f"item {self.id!r}: lines joined with spaces must equal the text exactly")
        return self


class Total(Frozen):
    """How the item answers become one number."""

    method: Literal["sum", "count_at_least"]
    # count_at_least: the number of items answered at or above this value (ACE "Yes").
    count_value: int | None = None
    # Items whose answer is reversed as (reverse_from - answer) before summing.
    reverse_items: tuple[str, ...] = ()
    reverse_from: int | None = None

    @model_validator(mode="after")
    def _rule_is_complete(self) -> Total:
        if self.method == "count_at_least" and self.count_value is None:
            raise ValueError("count_at_least needs count_value")
        if self.reverse_items and self.reverse_from is None:
            raise ValueError("reverse_items needs reverse_from")
        return self


class Band(Frozen):
    key: str = Field(pattern=r"^[a-z_]+$")
    label: str
    min: int
    max: int
    meaning: str | None = None
    # A band whose label depends on an input a clinician gives (ACE tier needs the
    # ACE-associated health condition status): input value -> band key.
    by_input: dict[str, str | None] | None = None


class ClinicianInput(Frozen):
    """A fact the patient is not asked, given by staff (e.g. ACE-associated health condition)."""

    key: str = Field(pattern=r"^[a-z_]+$")
    label: str
    values: tuple[str, ...]
    # What to say when the input is missing and the band cannot be settled.
    pending_note: str


class Flag(Frozen):
    key: str = Field(pattern=r"^[a-z_]+$")
    label: str
    urgent: bool = False
    # Exactly one condition: an item at or above a value, or the total at or above a value.
    item: str | None = None
    item_at_least: int | None = None
    total_at_least: int | None = None
    # A safety signal should not wait for a complete response.
    applies_when_incomplete: bool = False

    @model_validator(mode="after")
    def _one_condition(self) -> Flag:
        by_item = self.item is not None and self.item_at_least is not None
        by_total = self.total_at_least is not None
        if by_item == by_total:
            raise ValueError("a flag needs either item + item_at_least, or total_at_least")
        if self.applies_when_incomplete and not by_item:
            raise ValueError("only an item flag can apply to an incomplete response")
        return self


class SyndromeRule(Frozen):
    key: str = Field(pattern=r"^[a-z_]+$")
    label: str
    min_core: int
    min_present: int
    max_present: int | None = None


class Subscale(Frozen):
    """A sum over some items, reported beside the total (e.g. a symptom cluster)."""

    key: str = Field(pattern=r"^[A-Za-z0-9_]+$")
    label: str
    items: tuple[str, ...] = Field(min_length=1)


class Gate(Frozen):
    """A question that decides whether the items after it are asked. The stopping answer
    gives the total fixed by the form ("If no, screen total = 0"); answers to the gated
    items are then refused, as the patient was told to stop."""

    item: str
    stop_value: int
    stopped_total: int
    gated_items: tuple[str, ...] = Field(min_length=1)
    note: str


class CutOffBand(Frozen):
    """One side of a clinic-chosen cut-off, shown as a band."""

    key: str = Field(pattern=r"^[a-z_]+$")
    label: str
    meaning: str | None = None


class CutOffChoice(Frozen):
    value: int
    label: str


class CutOff(Frozen):
    """A published cut-off a clinic chooses among. The clinic's choice is its referral
    threshold; the band says which side of it the total falls."""

    choices: tuple[CutOffChoice, ...] = Field(min_length=1)
    default: int
    source: str
    # How the published rule is stated, e.g. "a cut-off between 31 and 33".
    stated_as: str | None = None
    note: str | None = None  # e.g. a group the cut-off may not suit
    at_or_above: CutOffBand
    below: CutOffBand

    @model_validator(mode="after")
    def _default_is_a_choice(self) -> CutOff:
        if self.default not in [choice.value for choice in self.choices]:
            raise ValueError("cut_off.default must be one of its choices")
        return self

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(choice.value for choice in self.choices)


class BandsSource(Frozen):
    """Where a set of bands comes from, dated, so a clinic can tell which version it applies."""

    title: str
    source: str
    checked_on: str
    note: str | None = None


class ClusterRequirement(Frozen):
    subscale: str
    min_present: int = Field(ge=1)


class ClusterCountAlgorithm(Frozen):
    """A diagnostic rule that needs enough symptoms in each cluster (DSM-5 style): an item
    at or above `present_at_least` counts as a symptom of the cluster (subscale) it is in."""

    type: Literal["cluster_count"]
    label: str
    present_at_least: int
    clusters: tuple[ClusterRequirement, ...] = Field(min_length=1)
    key: str = Field(pattern=r"^[a-z_]+$")
    result_label: str
    note: str
    source: str


class SymptomCountAlgorithm(Frozen):
    """A diagnostic algorithm that counts symptoms present (PHQ manual style):
    an item is present at or above a threshold (with per-item exceptions); the
    first matching rule names the provisional syndrome."""

    type: Literal["symptom_count"]
    label: str
    core_items: tuple[str, ...]
    symptom_items: tuple[str, ...]
    present_at_least: int
    present_at_least_for: dict[str, int] = {}
    rules: tuple[SyndromeRule, ...]
    note: str
    source: str


class ReliableChange(Frozen):
    """The smallest change between two complete responses that counts as reliable.
    Kept as data, with its source, so a clinic can correct it."""

    points: int = Field(gt=0)
    source: str
    is_verified: bool = False


class Outcomes(Frozen):
    """Measurement-based-care outcomes for patients who start at or over `baseline_at_least`:
    response is a drop of at least `response_drop_percent` from the baseline total, and
    remission a total below `remission_below`, both at the latest follow-up. Kept as data,
    with its source, like every cut-off."""

    baseline_at_least: int = Field(ge=0)
    response_drop_percent: int = Field(gt=0, le=100)
    remission_below: int = Field(gt=0)
    source: str


class Norm(Frozen):
    """A published mean and SD for a group, for comparison where no cut-offs exist."""

    group: str
    n: int
    mean: float
    sd: float
    source: str


Algorithm = Annotated[SymptomCountAlgorithm | ClusterCountAlgorithm, Field(discriminator="type")]


class Scoring(Frozen):
    total: Total
    missing: Literal["no_proration"] = "no_proration"
    bands: tuple[Band, ...] = ()
    bands_note: str | None = None  # e.g. "non-validated convention"
    bands_source: BandsSource | None = None
    # Labels of band keys reached only through a Band.by_input mapping.
    band_labels: dict[str, str] = {}
    flags: tuple[Flag, ...] = ()
    algorithm: Algorithm | None = None
    clinician_input: ClinicianInput | None = None
    default_referral_threshold: int | None = None
    reliable_change: ReliableChange | None = None
    outcomes: Outcomes | None = None
    norms: tuple[Norm, ...] = ()
    # A score that describes a history rather than a state (ACE) is shown once, not as a trend.
    is_trended: bool = True
    gate: Gate | None = None
    subscales: tuple[Subscale, ...] = ()
    cut_off: CutOff | None = None

    _omit_when_default: ClassVar[frozenset[str]] = frozenset(
        {"bands_source", "outcomes", "gate", "subscales", "cut_off"}
    )

    @model_validator(mode="after")
    def _cut_off_is_the_threshold(self) -> Scoring:
        if self.cut_off is None:
            return self
        if self.bands:
            raise ValueError("an instrument with a cut_off takes its bands from it: give no bands")
        if self.default_referral_threshold != self.cut_off.default:
            raise ValueError("default_referral_threshold must equal cut_off.default")
        return self


class Instrument(Frozen):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: str
    short_title: str
    source: str  # title of the form the wording was taken from
    permission: str
    copyright: str | None = None
    citations: tuple[str, ...] = Field(min_length=1)
    code: Coding | None = None  # the panel
    total_code: Coding | None = None
    instructions: str | None = None
    stem: str | None = None
    decisions: tuple[str, ...] = ()  # recorded on-screen adaptations of the paper form
    caveats: tuple[str, ...] = ()  # printed with every result
    closing: str | None = None  # printed after the items on the form
    # The section's name as patients see it, in plain words ("Stress over the last month").
    section_title: str | None = None
    # Questions about painful experiences: the tablet introduces the section first (what it is
    # about, that any question may be skipped, that the care team will talk about the answers).
    asked_with_care: bool = False
    option_sets: dict[str, tuple[Option, ...]]
    items: tuple[Item, ...] = Field(min_length=1)
    scoring: Scoring

    _omit_when_default: ClassVar[frozenset[str]] = frozenset({"closing", "section_title", "asked_with_care"})

    @property
    def patient_title(self) -> str:
        return self.section_title or self.short_title

    @model_validator(mode="after")
    def _references_resolve(self) -> Instrument:
        item_ids = [item.id for item in self.items]
        if len(set(item_ids)) != len(item_ids):
            raise DefinitionError("items", "item ids must be unique")
        for key, options in self.option_sets.items():
            values = [option.value for option in options]
            if not options or len(set(values)) != len(values):
                raise DefinitionError(f"option_sets.{key}", f"option set {key!r} needs distinct values")
        for index, item in enumerate(self.items):
            if item.options not in self.option_sets:
                raise DefinitionError(
                    f"items.{index}.options", f"item {item.id!r} names unknown option set {item.options!r}"
                )
        self._check_item_references(set(item_ids))
        for index, band in enumerate(self.scoring.bands):
            if band.by_input is None:
                continue
            where = f"scoring.bands.{index}.by_input"
            if self.scoring.clinician_input is None:
                raise DefinitionError(where, f"band {band.key!r} depends on a clinician input the file does not define")
            unlabelled = {key for key in band.by_input.values() if key} - set(self.scoring.band_labels)
            if unlabelled:
                raise DefinitionError(
                    where, f"band {band.key!r} maps to keys without a label in band_labels: {sorted(unlabelled)}"
                )
        self._check_bands_cover_range()
        return self

    def _check_item_references(self, known: set[str]) -> None:
        scoring = self.scoring
        references = {"scoring.total.reverse_items": list(scoring.total.reverse_items)}
        for index, flag in enumerate(scoring.flags):
            references[f"scoring.flags.{index}.item"] = [flag.item] if flag.item else []
        if isinstance(scoring.algorithm, SymptomCountAlgorithm):
            references["scoring.algorithm"] = [*scoring.algorithm.core_items, *scoring.algorithm.symptom_items]
        for index, subscale in enumerate(scoring.subscales):
            references[f"scoring.subscales.{index}.items"] = list(subscale.items)
        if scoring.gate:
            references["scoring.gate"] = [scoring.gate.item, *scoring.gate.gated_items]
        if isinstance(scoring.algorithm, ClusterCountAlgorithm):
            subscale_keys = {subscale.key for subscale in scoring.subscales}
            unknown_clusters = sorted({c.subscale for c in scoring.algorithm.clusters} - subscale_keys)
            if unknown_clusters:
                raise DefinitionError("scoring.algorithm.clusters", f"names unknown subscales {unknown_clusters}")
        for field, referenced in references.items():
            unknown = sorted(set(referenced) - known)
            if unknown:
                raise DefinitionError(field, f"scoring names unknown items {unknown}")
        if scoring.gate and self.item(scoring.gate.item).scored:
            raise DefinitionError("scoring.gate.item", "the gate question is not itself scored: mark it scored: false")

    def _check_bands_cover_range(self) -> None:
        indexed = sorted(enumerate(self.scoring.bands), key=lambda pair: pair[1].min)
        if not indexed:
            return
        low, high = self.total_range
        expected = low
        for index, band in indexed:
            if band.min != expected or band.max < band.min:
                raise DefinitionError(
                    f"scoring.bands.{index}",
                    f"bands must cover {low}-{high} without gaps or overlaps (at {band.key!r})",
                )
            expected = band.max + 1
        if expected != high + 1:
            raise DefinitionError("scoring.bands", f"bands must end at the maximum total {high}")

    def stem_for(self, item: Item) -> str | None:
        """The stem, where it introduces this item. A stem is worded for the answers of the
        first item ("how often…"), so an item answered on other options is a question of its
        own and is shown without it."""
        # e.g. PHQ-9 item 10 ("how difficult…") is asked after, not under, "how often…"; an
        # item the form prints apart from the stem says so (shows_stem: false)
        if self.stem is None or not item.shows_stem or item.options != self.items[0].options:
            return None
        return self.stem

    @property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.scored)

    def options_for(self, item: Item) -> tuple[Option, ...]:
        return self.option_sets[item.options]

    def may_raise_urgent_flag(self, item_id: str) -> bool:
        """Whether an answer to this item can raise an urgent flag: the item an item flag
        watches, or any scored item when an urgent flag depends on the total (a total flag,
        or an item flag that waits for a complete response)."""
        for flag in self.scoring.flags:
            if not flag.urgent:
                continue
            if flag.item == item_id:
                return True
            needs_total = flag.total_at_least is not None or not flag.applies_when_incomplete
            if needs_total and any(item.id == item_id for item in self.scored_items):
                return True
        return False

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    @property
    def total_range(self) -> tuple[int, int]:
        """The lowest and highest total the rules can produce, derived from the options."""
        total = self.scoring.total
        if total.method == "count_at_least":
            return 0, len(self.scored_items)
        low = high = 0
        for item in self.scored_items:
            values = [option.value for option in self.options_for(item)]
            if item.id in total.reverse_items:
                values = [total.reverse_from - value for value in values]
            low += min(values)
            high += max(values)
        return low, high
