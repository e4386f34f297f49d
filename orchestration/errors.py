"""Errors that name the file, row and column of bad input, so a user can find and fix it."""

from __future__ import annotations

from pathlib import Path


class BundleError(Exception):
    """A problem with one place in an edition bundle.

    `row` is the 1-based data row (the header is row 0); `line` the file line it starts on, where title
    lines above the header or blank lines make it differ from row + 1.
    """

    def __init__(
        self, file: Path | str, row: int | None = None, column: str | None = None, *, message: str,
        line: int | None = None,
    ):  # fmt: skip
        self.file = str(file)
        self.row = row
        self.line = line
        self.column = column
        self.message = message
        super().__init__(str(self))

    def location(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row} (line {self.line if self.line is not None else self.row + 1})")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"


class EditionRejected(Exception):
    """An edition failed to load or failed a blocking release check; nothing of it was written."""

    def __init__(self, edition: int | str, problems: list[str]):
        self.edition = edition
        self.problems = problems
        shown = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"edition {edition} rejected:\n  {shown}{more}")
