"""Unpack an untrusted zip of images without letting it write outside its folder or fill the disk.

The dangers (the "Zip Slip" advisory, Snyk 2018; zip bombs, Fifield 2019
"A better zip bomb"): member names that climb out of the target folder
(``../``, absolute paths, drive letters), more members or more bytes than
declared or than a person would upload. Here every name is checked and
rebuilt from its parts, links are written as plain files, and the bytes
actually read are counted against the limits, whatever the headers say.
"""
from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from vizcore.errors import DataError

MAX_FILES = 20_000
MAX_BYTES = 1 << 30  # 1 GiB unpacked
_CHUNK = 1 << 20


def extract(file, dest: Path, max_files: int = MAX_FILES, max_bytes: int = MAX_BYTES) -> list[str]:
    """Unpack the zip ``file`` (path or file object) into the folder ``dest``; returns the member names left out.

    Left out: names that would land outside ``dest``. A single folder that
    holds everything is unwrapped, so its subfolders are the top level.
    Raises DataError when the file is not a zip or breaks a limit.
    """
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError) as e:
        raise DataError(f"This file is not a readable zip archive ({e}).") from e
    dest.mkdir(parents=True, exist_ok=True)
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if len(members) > max_files:
            raise DataError(f"The zip holds {len(members)} files; at most {max_files} can be read.")
        safe, unsafe = {}, []
        for info in members:
            parts = PurePosixPath(info.filename.replace("\\", "/")).parts
            if not parts or info.filename.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
                unsafe.append(info.filename)
            else:
                safe[info.filename] = parts
        tops = {parts[0] for parts in safe.values()}
        unwrap = len(tops) == 1 and all(len(parts) > 1 for parts in safe.values())
        written = 0
        for info in members:
            if info.filename not in safe:
                continue
            target = dest.joinpath(*safe[info.filename][1 if unwrap else 0:])
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, open(target, "wb") as out:
                while chunk := source.read(_CHUNK):
                    written += len(chunk)
                    if written > max_bytes:
                        raise DataError(f"The zip unpacks to more than {max_bytes / 2**20:.0f} MB; "
                                        "upload fewer or smaller images.")
                    out.write(chunk)
    return unsafe
