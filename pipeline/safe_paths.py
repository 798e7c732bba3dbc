"""Crawled ids and file names become paths only after these checks.

Ids come from strangers' JSON: ``../../etc/x``, absolute paths, NUL bytes, names differing only by
case or Unicode form. Only ids made of ASCII letters, digits, ``_``, ``-`` and inner dots are used
as path components, and every derived path must resolve inside its base folder.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

SAFE_ID = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]|\.(?!\.)){0,127}$")
# Windows device names are files nowhere: ``CON.mp4`` opens the console there, whatever the suffix.
# Refused everywhere so a dataset built here can be copied to any machine.
_DEVICE_NAME = re.compile(r"^(?:CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])(?:\..*)?$", re.IGNORECASE)
# Longest relative file name accepted (ext4 allows 255 bytes per component, 4096 per path).
MAX_RELATIVE = 1024


class UnsafePath(ValueError):
    """An id or relative file name that would leave its base folder or is not a valid name."""


def check_id(video_id: str) -> str:
    """Return ``video_id`` if it is safe as a single path component, else raise ``UnsafePath``."""
    if not SAFE_ID.match(video_id) or video_id.endswith("."):
        raise UnsafePath(
            f"id {video_id[:200]!r} is not a safe file name (allowed: ASCII letters, digits, '_',"
            " '-', inner dots; at most 128 characters)"
        )
    if _DEVICE_NAME.match(video_id):
        raise UnsafePath(f"id {video_id!r} is a Windows device name, not a file name")
    return video_id


def identity_key(video_id: str) -> str:
    """Ids equal under Unicode normalisation and case folding are the same video."""
    return unicodedata.normalize("NFKC", video_id).casefold()


def child(base: Path, relative: str) -> Path:
    """``base / relative``, refusing anything that resolves outside ``base``."""
    rel = Path(relative)
    if (
        not relative
        or "\x00" in relative
        or "\\" in relative  # a Windows separator: one odd name here, a traversal there
        or ":" in relative  # a Windows drive (``C:x``) or NTFS stream (``a.mp4:evil``)
        or rel.is_absolute()
        or ".." in rel.parts
        or len(relative) > MAX_RELATIVE
    ):
        raise UnsafePath(f"file name {relative[:200]!r} is not a plain relative path")
    device = next((part for part in rel.parts if _DEVICE_NAME.match(part)), None)
    if device is not None:
        raise UnsafePath(f"file name {relative!r} holds the Windows device name {device!r}")
    resolved_base = Path(base).resolve()
    target = (resolved_base / rel).resolve()
    if not target.is_relative_to(resolved_base):
        raise UnsafePath(f"file name {relative!r} resolves outside {base}")
    return Path(base) / rel
