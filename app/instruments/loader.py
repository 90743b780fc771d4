"""Load questionnaires/*.yaml into validated, frozen, versioned instruments.

A broken file stops start-up with one line naming the file, the field and the
problem, because serving a wrongly worded or wrongly scored instrument is worse
than not starting at all.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from app.instruments.definition import DefinitionError, Instrument


class InstrumentFileError(Exception):
    def __init__(self, path: Path, field: str, problem: str):
        self.path, self.field, self.problem = path, field, problem
        super().__init__(f"{path}: {field}: {problem}")


@dataclass(frozen=True)
class LoadedInstrument:
    definition: Instrument
    version: str  # sha256 of the canonical definition: any change of wording or rule changes it
    path: Path

    @property
    def id(self) -> str:
        return self.definition.id


# libyaml's parser where PyYAML was built with it (the wheels are): the pure-Python one took a
# sixth of every start-up. Both read the same YAML to the same values (tests/instruments).
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path):
    """A questionnaire or translation file's contents, as yaml.safe_load reads them."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # noqa: S506  # nosec B506 - a safe loader


def definition_version(definition: Instrument) -> str:
    canonical = json.dumps(definition.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_instrument(path: Path) -> LoadedInstrument:
    try:
        raw = read_yaml(path)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "file"
        raise InstrumentFileError(path, where, f"not valid YAML ({getattr(error, 'problem', error)})") from None
    if not isinstance(raw, dict):
        raise InstrumentFileError(path, "file", "must be a mapping of fields")
    try:
        definition = Instrument.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        cause = first.get("ctx", {}).get("error")
        if isinstance(cause, DefinitionError):
            raise InstrumentFileError(path, cause.field, str(cause)) from None
        field = ".".join(str(part) for part in first["loc"]) or "file"
        raise InstrumentFileError(path, field, first["msg"]) from None
    if definition.id != path.stem:
        raise InstrumentFileError(path, "id", f"must match the file name ({path.stem!r})")
    return LoadedInstrument(definition, definition_version(definition), path)


def load_instruments(directory: Path) -> dict[str, LoadedInstrument]:
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise InstrumentFileError(directory, "directory", "holds no questionnaire files (*.yaml)")
    return {loaded.id: loaded for loaded in map(load_instrument, files)}
