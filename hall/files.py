"""Files people hand the hall (rules files, CSV imports, backups to restore): found and read,
or one sentence saying what is wrong with the path."""

from __future__ import annotations

import os
from pathlib import Path

from hall.errors import HallError


def existing_file(path: str | os.PathLike, what: str) -> Path:
    """``path`` when it names a file; otherwise one sentence: there is no ``what`` there, or it is a folder."""
    file = Path(path).expanduser()
    if not file.exists():
        raise HallError(f"There is no {what} at {file}.")
    if file.is_dir():
        raise HallError(f"{file} is a folder, not a {what}.")
    return file


def read_text(path: str | os.PathLike, what: str, *, advice: str = "") -> str:
    """The text of a UTF-8 file (a byte-order mark dropped), or one sentence saying why it cannot be read;
    ``advice`` follows the sentence about text that is not UTF-8 (e.g. how to save it so)."""
    file = existing_file(path, what)
    try:
        return file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HallError(f"The {what} {file} is not UTF-8 text{advice}.") from None
    except OSError as error:
        raise HallError(f"Cannot read the {what} {file}: {error.strerror or error}.") from None
