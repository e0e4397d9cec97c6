"""Pure pandas analytics for billbot: transaction frames in, reports out; no database, no I/O.

Import from the modules (`from insights.breakdown import breakdown`): re-exporting here would
let the `breakdown` function shadow the `insights.breakdown` module.
"""
