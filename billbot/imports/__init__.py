"""Reading borrowers' bank and card exports (CSV, OFX/QFX, QIF) into validated transactions.

Pure parsing: bytes in, `ParsedFile` out, or an `ImportFileError` naming the line and field.
Storing the result (all or nothing, idempotently) is `billbot.imports.service`'s job.
"""

from billbot.imports.csv_profiles import PROFILES, CsvProfile, get_profile
from billbot.imports.errors import ImportFileError
from billbot.imports.parse import parse_file
from billbot.imports.records import ParsedFile, ParsedTransaction

__all__ = [
    "PROFILES",
    "CsvProfile",
    "ImportFileError",
    "ParsedFile",
    "ParsedTransaction",
    "get_profile",
    "parse_file",
]
