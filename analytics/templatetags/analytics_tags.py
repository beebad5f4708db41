"""Formatting for the analytics pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def pct(value: float | None) -> str:
    """0.3512 → "35.1%"; None → "—"."""
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def days(value: float | None) -> str:
    return "—" if value is None else f"{value:g} 天"
