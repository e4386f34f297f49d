"""The Dagster code location (workspace.yaml), loaded lazily: importing this module builds nothing.

Dagster calls `defs()` when it loads the code location; everything is assembled in
`orchestration/defs/location.py`.
"""

from __future__ import annotations

import dagster as dg

from orchestration.settings import get_settings


@dg.definitions
def defs() -> dg.Definitions:
    from orchestration.defs.location import build_definitions

    return build_definitions(get_settings())
