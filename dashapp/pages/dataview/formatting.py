"""Figures as text in a dashboards-file format (currency:EUR, percent:1, ...), and why not."""

from __future__ import annotations

import datetime as dt

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
NOT_COMPUTABLE = "n/a"


def _digits(parts: list[str], default: int) -> int:
    return int(parts[-1]) if parts and parts[-1].isdigit() else default


def format_value(value: float | str | None, fmt: str | None) -> str:
    """`value` in `fmt`; "n/a" when there is no value (the caller shows the reason)."""
    if value is None:
        return NOT_COMPUTABLE
    if isinstance(value, str):
        if fmt in ("date", "datetime"):
            try:
                return dt.date.fromisoformat(value[:10]).strftime("%b %d, %Y")
            except ValueError:
                return value
        return value
    kind, *parts = (fmt or "number").split(":")
    if kind == "currency":
        code = parts[0] if parts else "USD"
        digits = _digits(parts[1:], 0 if abs(value) >= 1000 else 2)
        symbol = SYMBOLS.get(code)
        sign = "-" if value < 0 else ""
        text = f"{abs(value):,.{digits}f}"
        return f"{sign}{symbol}{text}" if symbol else f"{sign}{code} {text}"
    if kind == "percent":
        return f"{value:.{_digits(parts, 1)}%}"
    if kind == "integer":
        return f"{round(value):,}"
    if kind == "duration":
        seconds = int(round(value))
        hours, rest = divmod(abs(seconds), 3600)
        return f"{'-' if seconds < 0 else ''}{hours}:{rest // 60:02d}:{rest % 60:02d}"
    if kind == "number" and parts:
        return f"{value:,.{_digits(parts, 2)}f}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def plotly_format(fmt: str | None) -> tuple[str, str]:
    """(tick prefix, d3 format) for a chart axis and hover label in `fmt`."""
    kind, *parts = (fmt or "number").split(":")
    if kind == "currency":
        code = parts[0] if parts else "USD"
        return SYMBOLS.get(code, code + " "), ",.0f"
    if kind == "percent":
        return "", f".{_digits(parts, 1)}%"
    return "", ",.0f" if kind in ("integer", "number") and not parts else ",.2f"
