"""The validation boundary: every input from `releases/` is bounded and checked here before anything
parses it. Whoever can write to `releases/` can make an edition be refused, never make the build read
an unbounded input, block on a special file, or carry control characters into an output.

Limits are in one place (`LIMITS`) and checked on bytes before parsing, so memory stays bounded: the
largest legitimate figure file (synthetic 100x scale) is ~2 MB and ~8,000 rows.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from orchestration.errors import BundleError


@dataclass(frozen=True)
class Limits:
    file_bytes: int = int(os.environ.get("AI_INDEX_MAX_FILE_BYTES", 32 * 1024 * 1024))
    rows: int = 200_000  # data rows of one file (a real figure file holds tens to thousands)
    columns: int = 1_000
    cells: int = 2_000_000  # rows x columns of one file
    line_bytes: int = 64 * 1024  # one line of a CSV
    manifest_bytes: int = 1024 * 1024
    provenance_bytes: int = 32 * 1024 * 1024
    provenance_rows: int = 500_000
    bundle_bytes: int = 512 * 1024 * 1024  # a folder bundle's CSV files together
    zip_members: int = 20_000
    zip_ratio: int = 200  # CSV compresses ~5-20x; 1000x+ is a bomb
    path_component: int = 255  # bytes, as most file systems allow
    path_depth: int = 16

    @property
    def zip_total_bytes(self) -> int:
        return 16 * self.file_bytes


LIMITS = Limits()
# Edition directories are named by a year: four ASCII digits, nothing else (not "٢٠٢٥", not "2026²").
EDITION_DIR = re.compile(r"^[0-9]{4}$")
# Control characters refused in free text (names, titles, notes, cells): C0 but tab, line feed and
# carriage return (CSV line ends), DEL, C1.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control(text: str) -> bool:
    return bool(_CONTROL.search(text))


def check_text(text: str, where: str, row: int | None = None, column: str | None = None) -> str:
    """Free text from a bundle, refused if it holds control characters or NUL (shown escaped)."""
    if has_control(text):
        raise BundleError(
            where, row=row, column=column,
            message=f"control characters are not accepted in {text.encode('unicode_escape').decode('ascii')[:200]!r}",
        )  # fmt: skip
    return text


def check_path(name: str, where: str) -> None:
    """A path inside a bundle: no control characters, bounded component length and depth."""
    check_text(name, where)
    parts = [p for p in name.replace("\\", "/").split("/") if p]
    if len(parts) > LIMITS.path_depth:
        raise BundleError(
            where, message=f"path is {len(parts)} folders deep, above the {LIMITS.path_depth} limit"
        )
    long = next((p for p in parts if len(p.encode("utf-8")) > LIMITS.path_component), None)
    if long is not None:
        raise BundleError(
            where,
            message=f"a path component is {len(long.encode('utf-8'))} bytes, above the {LIMITS.path_component} limit",
        )


def read_regular_file(path: Path, cap: int, where: str) -> bytes:
    """The bytes of a regular file, at most `cap`: a FIFO, socket, device, directory or symlink is refused
    without blocking (opened O_NONBLOCK | O_NOFOLLOW, checked with fstat before reading)."""
    try:
        mode = os.lstat(path).st_mode  # what it is, before opening it
    except FileNotFoundError:
        raise BundleError(where, message="file listed in the manifest is missing") from None
    if stat.S_ISLNK(mode):
        raise BundleError(where, message="a symlink: files are read only as regular files")
    if not stat.S_ISREG(mode):
        raise BundleError(where, message=f"not a regular file ({_kind(mode)})")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except OSError as exc:
        raise BundleError(where, message=f"not readable: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise BundleError(where, message=f"not a regular file ({_kind(info.st_mode)})")
        if info.st_size > cap:
            raise BundleError(where, message=f"file is {info.st_size:,} bytes, above the {cap:,}-byte limit")
        chunks, total = [], 0
        while chunk := os.read(fd, 1 << 20):
            total += len(chunk)
            if total > cap:  # the file grew while read
                raise BundleError(where, message=f"file is above the {cap:,}-byte limit")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):  # fmt: skip
        if test(mode):
            return name
    return "a special file"


def first_control_cell(header: list[str], rows: list[list[str]]) -> tuple[int, str, str] | None:
    """(row, column, escaped text) of the first cell holding a control character, 0 for the header."""
    for n, record in enumerate([header, *rows]):
        for column, cell in zip(header, record, strict=False):
            if has_control(cell):
                return n, column, cell.encode("unicode_escape").decode("ascii")[:120]
    return None


def check_table_size(data: bytes, where: str) -> None:
    """Rows, line length and columns of a CSV, bounded before it is parsed (a 3 MB file of a million
    one-byte rows would take gigabytes as Python rows)."""
    newline = b"\n"
    lines = data.count(newline) + 1
    if lines > LIMITS.rows + 100:
        raise BundleError(where, message=f"{lines:,} lines, above the {LIMITS.rows:,}-row limit")
    longest = max(data.split(newline), key=len)
    if len(longest) > LIMITS.line_bytes:
        number = data.split(newline).index(longest) + 1
        raise BundleError(
            where,
            message=f"line {number} is {len(longest):,} bytes, above the {LIMITS.line_bytes:,}-byte limit",
        )
    widest = max((line.count(b",") + 1 for line in data.split(newline)[:50]), default=0)
    if widest > LIMITS.columns:
        raise BundleError(where, message=f"{widest:,} columns, above the {LIMITS.columns:,}-column limit")
    if widest * lines > LIMITS.cells:
        raise BundleError(where, message=f"{widest * lines:,} cells, above the {LIMITS.cells:,}-cell limit")
