"""Plain-text tables for the task logs, in the layout of the CLI's (``workers/report.ts``)."""

from __future__ import annotations

from collections.abc import Sequence


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [
        max([len(header), *(len(row[column]) for row in cells)]) for column, header in enumerate(headers)
    ]

    def line(values: Sequence[str]) -> str:
        padded = [
            value if column == len(values) - 1 else value.ljust(widths[column])
            for column, value in enumerate(values)
        ]
        return "  ".join(padded).rstrip()

    return "\n".join([line(headers), line(["-" * width for width in widths]), *(line(row) for row in cells)])


def js_number(value: float) -> str:
    """A number as JavaScript's template strings print it: ``3``, ``2.5``, ``120.5``."""
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)
