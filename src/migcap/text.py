"""Formatting values as text, where more than one writer needs the same rule (CSV cells, tables)."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["format_number"]


def format_number(value: Any) -> str:
    """A number as text for CSV: integers without '.0', floats with up to 6 significant decimals."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.6g}" if abs(value) < 1e-3 else f"{round(value, 6)}"
    return str(value)
