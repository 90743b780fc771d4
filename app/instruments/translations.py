"""Load questionnaires/translations/<language>/<instrument>.yaml: the patient-facing wording of
a validated instrument in another language.

A translation file holds wording only: its item texts, stem, instructions and option labels.
Everything that scores, codes or orders an answer (option values and codes, item codes,
scoring rules, bands, flags) is taken from the English instrument the file names in
`translates`, so a translation can never score differently from the instrument it renders.
The result is a full, frozen definition with its own version hash, pinned like any other
when a patient answers it.

A file whose items or option sets do not line up with the English instrument (other ids, a
different count) stops start-up with one line naming file, field and problem.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.instruments.definition import Instrument
from app.instruments.loader import InstrumentFileError, LoadedInstrument, read_yaml

ENGLISH = "en"
#: a language's name in itself, as a patient looks for it, and in English, for staff
LANGUAGE_NAMES = {"en": ("English", "English"), "es": ("Español", "Spanish")}


class _Wording(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TranslatedItem(_Wording):
    id: str = Field(min_length=1)
    text: str = Field(min_length=1)


class TranslationFile(_Wording):
    """The fields a translation file may hold; nothing here can change a score."""

    translates: str = Field(pattern=r"^[a-z0-9_]+$")
    language: str = Field(pattern=r"^[a-z]{2,3}$")
    # The sheet the wording was taken from, as the research records it ("Pfizer sheet").
    variant: str = Field(min_length=1)
    # The sheet's own title where the research records one; otherwise the English title stays.
    title: str | None = None
    source: str = Field(min_length=1)
    permission: str | None = None
    copyright: str | None = None
    decisions: tuple[str, ...] = ()
    stem: str | None = None
    instructions: str | None = None
    # option set key -> labels in the English set's order (values and codes come from English)
    option_sets: dict[str, tuple[str, ...]]
    items: tuple[TranslatedItem, ...] = Field(min_length=1)


@dataclass(frozen=True)
class LoadedTranslation:
    #: the English definition with this file's wording put in; scoring identical by construction
    definition: Instrument
    version: str  # sha256 of the translated definition and its metadata
    path: Path
    language: str
    variant: str
    translates: str
    english_version: str  # the English version whose rules and codes this wording was joined to
    source: str
    decisions: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.definition.id

    @property
    def label(self) -> str:
        return f"{self.language} ({self.variant})"


def wording_of(loaded: LoadedInstrument | LoadedTranslation) -> tuple[str, str | None]:
    """The language of a version's words and, for a translation, the English version whose
    rules and codes it shares (None for the English itself)."""
    if isinstance(loaded, LoadedTranslation):
        return loaded.language, loaded.english_version
    return ENGLISH, None


def _fail(path: Path, field: str, problem: str) -> InstrumentFileError:
    return InstrumentFileError(path, field, problem)


def _read(path: Path) -> TranslationFile:
    try:
        raw = read_yaml(path)
    except yaml.YAMLError as error:
        raise _fail(path, "file", f"not valid YAML ({getattr(error, 'problem', error)})") from None
    if not isinstance(raw, dict):
        raise _fail(path, "file", "must be a mapping of fields")
    try:
        return TranslationFile.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "file"
        raise _fail(path, field, first["msg"]) from None


def _joined(path: Path, wording: TranslationFile, english: Instrument) -> Instrument:
    """The English definition with the translated wording, after checking the two line up."""
    english_ids = [item.id for item in english.items]
    translated_ids = [item.id for item in wording.items]
    if translated_ids != english_ids:
        raise _fail(
            path,
            "items",
            f"item ids {translated_ids} do not match {wording.translates!r} ({english_ids}, in that order)",
        )
    if set(wording.option_sets) != set(english.option_sets):
        raise _fail(
            path,
            "option_sets",
            f"option sets {sorted(wording.option_sets)} do not match {wording.translates!r} "
            f"({sorted(english.option_sets)})",
        )
    option_sets = {}
    for key, options in english.option_sets.items():
        labels = wording.option_sets[key]
        if len(labels) != len(options):
            raise _fail(
                path,
                f"option_sets.{key}",
                f"has {len(labels)} labels; {wording.translates!r} has {len(options)} options",
            )
        option_sets[key] = tuple(
            option.model_copy(update={"label": label}) for option, label in zip(options, labels, strict=True)
        )
    texts = {item.id: item.text for item in wording.items}
    if (wording.stem is None) != (english.stem is None):
        raise _fail(path, "stem", f"must be given exactly when {wording.translates!r} has a stem")
    if (wording.instructions is None) != (english.instructions is None):
        raise _fail(path, "instructions", f"must be given exactly when {wording.translates!r} has instructions")
    return english.model_copy(
        update={
            "title": wording.title or english.title,
            "source": wording.source,
            "permission": wording.permission or english.permission,
            "copyright": wording.copyright or english.copyright,
            "decisions": wording.decisions,
            "stem": wording.stem,
            "instructions": wording.instructions,
            "option_sets": option_sets,
            "items": tuple(item.model_copy(update={"text": texts[item.id]}) for item in english.items),
        }
    )


def translation_version(definition: Instrument, wording: TranslationFile) -> str:
    canonical = json.dumps(
        {
            "definition": definition.model_dump(mode="json"),
            "language": wording.language,
            "variant": wording.variant,
            "translates": wording.translates,
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_translation(path: Path, english: dict[str, LoadedInstrument]) -> LoadedTranslation:
    wording = _read(path)
    if wording.translates != path.stem:
        raise _fail(path, "translates", f"must match the file name ({path.stem!r})")
    if wording.language != path.parent.name:
        raise _fail(path, "language", f"must match the folder name ({path.parent.name!r})")
    if wording.language == ENGLISH:
        raise _fail(path, "language", "English is the instrument file itself, not a translation")
    if wording.translates not in english:
        raise _fail(path, "translates", f"names no installed instrument ({wording.translates!r})")
    base = english[wording.translates]
    definition = _joined(path, wording, base.definition)
    return LoadedTranslation(
        definition=definition,
        version=translation_version(definition, wording),
        path=path,
        language=wording.language,
        variant=wording.variant,
        translates=wording.translates,
        english_version=base.version,
        source=wording.source,
        decisions=wording.decisions,
    )


def load_translations(
    directory: Path, english: dict[str, LoadedInstrument]
) -> dict[tuple[str, str], LoadedTranslation]:
    """(instrument id, language) -> translation, from directory/<language>/<instrument>.yaml."""
    if not directory.is_dir():
        return {}
    loaded = (load_translation(path, english) for path in sorted(directory.glob("*/*.yaml")))
    return {(translation.translates, translation.language): translation for translation in loaded}
