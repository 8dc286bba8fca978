"""Errors that name the place: file, sheet, row, column, what was expected and what was found.

Every parser raises :class:`IngestError` (or a subclass) for bad input, never ``assert`` and never a bare
``KeyError``/``ValueError`` escaping from pandas. Parsers validate the whole table and raise once, listing the first
problems (see :class:`ProblemCollector`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


def _place(path: str | Path | None, sheet: str | None, row: int | None, column: str | None) -> str:
    parts = []
    if path is not None:
        name = Path(path).name
        parts.append(f"{name}[{sheet}]" if sheet is not None else name)
    elif sheet is not None:
        parts.append(f"[{sheet}]")
    if row is not None:
        parts.append(f"row {row}")
    if column is not None:
        parts.append(f"column {column!r}")
    return " ".join(parts)


class IngestError(Exception):
    """Bad input in an official file (or a user-supplied file of the same format).

    ``row`` is 1-based as a person sees it in Excel or a text editor (header rows included).
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        expected: str | None = None,
        got: object = None,
    ) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.sheet = sheet
        self.row = row
        self.column = column
        self.expected = expected
        self.got = got
        place = _place(path, sheet, row, column)
        text = f"{place}: {message}" if place else message
        if expected is not None:
            text += f": expected {expected}"
            if got is not None:
                text += f", got {got!r}"
        elif got is not None:
            text += f" (got {got!r})"
        super().__init__(text)


class ChecksumError(IngestError):
    """A snapshot file whose SHA-256 differs from the recorded list (changed, truncated or corrupted)."""


class MissingInputError(IngestError):
    """A required input file, sheet or column is not there."""


@dataclass
class ProblemCollector:
    """Collect problems while validating a whole table, then raise once with the first ``limit`` of them."""

    path: str | Path | None = None
    sheet: str | None = None
    limit: int = 10
    problems: list[IngestError] = field(default_factory=list)
    count: int = 0

    def add(self, message: str, *, row: int | None = None, column: str | None = None,
            expected: str | None = None, got: object = None) -> None:
        self.count += 1
        if len(self.problems) < self.limit:
            self.problems.append(IngestError(message, path=self.path, sheet=self.sheet, row=row,
                                             column=column, expected=expected, got=got))

    def raise_if_any(self) -> None:
        if not self.problems:
            return
        first = self.problems[0]
        if self.count == 1:
            raise first
        lines = "\n  ".join(str(p) for p in self.problems)
        more = f"\n  ... and {self.count - len(self.problems)} more" if self.count > len(self.problems) else ""
        err = IngestError(f"{self.count} problems:\n  {lines}{more}", path=None)
        err.path, err.sheet, err.row, err.column = first.path, first.sheet, first.row, first.column
        raise err
