"""Files the command-line exports write: readable by their owner only, as PHI must be."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

PRIVATE_FILE, PRIVATE_DIRECTORY = 0o600, 0o700


def private_directory(path: Path) -> Path:
    """Create the directory (owner only) if it does not exist; an existing one is left as it is."""
    path.mkdir(mode=PRIVATE_DIRECTORY, parents=True, exist_ok=True)
    return path


def open_private(path: Path, mode: str = "w", **kwargs) -> IO:
    """Open for writing a file only its owner can read, whatever the umask, replacing any
    earlier file's content and permissions."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    os.fchmod(descriptor, PRIVATE_FILE)  # O_CREAT's mode does not apply to a file that existed
    return os.fdopen(descriptor, mode, **kwargs)


def write_private(path: Path, content: str | bytes) -> None:
    if isinstance(content, bytes):
        with open_private(path, "wb") as handle:
            handle.write(content)
    else:
        with open_private(path, "w", encoding="utf-8") as handle:
            handle.write(content)
