"""What the governance API controllers share: rows into the JSON they send."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from advanced_alchemy.service import ResultConverter

from stepchange.core.database import Base

SchemaT = TypeVar("SchemaT", bound=msgspec.Struct)

TAGS = ["Work-stream governance"]
"""Where the governance routes appear in the API's documentation."""

_converter = ResultConverter()


def out(schema_type: type[SchemaT], row: Base, **derived: Any) -> SchemaT:
    """``row`` as ``schema_type`` (advanced-alchemy's ``to_schema``): each field read from the row's attribute of
    that name, except the ``derived`` ones the JSON adds (the work-stream's code, a name from another table, a
    flag worked out now).

    Rows nested in ``derived`` (a meeting's agenda, who read the minutes) are read the same way.
    """
    stored = {name: getattr(row, name) for name in schema_type.__struct_fields__ if name not in derived}
    return _converter.to_schema(stored | derived, schema_type=schema_type)
