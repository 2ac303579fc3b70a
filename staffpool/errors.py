"""Errors a user can act on. The CLI maps each to an exit status in one place."""

from __future__ import annotations

from dataclasses import dataclass

from staffpool.i18n import _


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where (file, row, column), what was there, what is expected."""

    file: str
    row: int | None
    column: str
    value: str
    message: str

    def where(self) -> str:

        if self.row is not None and self.column:
            return _("{file} row {row} column {column}").format(file=self.file, row=self.row, column=self.column)
        if self.row is not None:
            return _("{file} row {row}").format(file=self.file, row=self.row)
        if self.column:
            return _("{file} column {column}").format(file=self.file, column=self.column)
        return self.file

    def __str__(self) -> str:

        shown = _(" (value {value!r})").format(value=self.value) if self.value != "" else ""
        return _("{where}: {message}").format(where=self.where(), message=self.message) + shown


class StaffpoolError(Exception):
    """Base of every error staffpool raises on purpose."""


class InputError(StaffpoolError):
    """Bad input: exit status 2. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None):
        self.problems = list(problems)
        self.warnings = list(warnings or [])  # what was ignored besides (shown, not counted)

        first = str(self.problems[0]) if self.problems else _("bad input")
        more = _(" (and {n} more)").format(n=len(self.problems) - 1) if len(self.problems) > 1 else ""
        super().__init__(first + more)


class UsageError(StaffpoolError):
    """A command used wrongly (bad option value, missing path): exit status 2."""


class InfeasibleError(StaffpoolError):
    """No plan obeys every hard rule (or none was found in the time limit): exit status 1."""

    def __init__(self, message: str, reasons: list[str] | None = None):
        self.reasons = list(reasons or [])
        super().__init__(message)
