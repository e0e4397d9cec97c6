"""The one error an import file can raise, naming where in the file the problem is.

    ValueError
     └── ImportFileError      .code "import.<reason>", .line, .field, .message

Codes the parsers use:

- `import.empty_file`, `import.unknown_format`, `import.bad_encoding`
- `import.no_statement`, `import.investment_statement` (OFX, QIF `!Type:Invst`)
- `import.missing_column`, `import.short_row`, `import.missing_field`
- `import.bad_amount`, `import.ambiguous_amount`, `import.bad_date`, `import.ambiguous_date`,
  `import.bad_time`, `import.bad_currency`, `import.bad_mcc`, `import.kind_sign`
- `import.duplicate_id`, `import.unknown_profile`, `import.bad_profile`
"""

from __future__ import annotations


class ImportFileError(ValueError):
    """A file that cannot be imported, with the line and field at fault when there is one."""

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
        code: str = "import.invalid",
        unit: str = "line",
    ) -> None:
        self.message = message
        self.line = line
        self.field = field
        self.code = code
        # OFX counts transactions rather than text lines; the rendered message says which.
        self.unit = unit
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"{self.unit} {self.line}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only arguments need help to survive pickling (multiprocessing, task queues).
        return (_rebuild, (self.message, self.line, self.field, self.code, self.unit))


def _rebuild(
    message: str, line: int | None, field: str | None, code: str, unit: str
) -> ImportFileError:
    return ImportFileError(message, line=line, field=field, code=code, unit=unit)
