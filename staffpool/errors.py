"""Errors a user can act on. The CLI maps each to an exit status in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where (file, row, column), what was there, what is expected."""

    file: str
    row: int | None
    column: str
    value: str
    message: str

    def where(self) -> str:
        row = f" row {self.row}" if self.row is not None else ""
        col = f" column {self.column}" if self.column else ""
        return f"{self.file}{row}{col}"

    def __str__(self) -> str:
        shown = f" (value {self.value!r})" if self.value != "" else ""
        return f"{self.where()}: {self.message}{shown}"


class StaffpoolError(Exception):
    """Base of every error staffpool raises on purpose."""


class InputError(StaffpoolError):
    """Bad input: exit status 2. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem], warnings: list[Problem] | None = None):
        self.problems = list(problems)
        self.warnings = list(warnings or [])  # what was ignored besides (shown, not counted)
        first = str(self.problems[0]) if self.problems else "bad input"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(first + more)


class UsageError(StaffpoolError):
    """A command used wrongly (bad option value, missing path): exit status 2."""


class InfeasibleError(StaffpoolError):
    """No plan obeys every hard rule (or none was found in the time limit): exit status 1."""

    def __init__(self, message: str, reasons: list[str] | None = None):
        self.reasons = list(reasons or [])
        super().__init__(message)
