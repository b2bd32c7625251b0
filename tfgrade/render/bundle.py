"""The static mime bundle of a Report: what any front end shows without a widget manager."""

from __future__ import annotations

from typing import Any

from ..report import MIME_TYPE, Report

__all__ = ["static_bundle"]


def static_bundle(report: Report) -> dict[str, Any]:
    """``text/plain``, ``text/html`` and the Report JSON. Kept apart from :mod:`tfgrade.widget`
    so a grade cell showing a card never imports anywidget and ipywidgets."""
    from .html import render_html
    from .text import render_text

    return {
        "text/plain": render_text(report),
        "text/html": render_html(report),
        MIME_TYPE: report.to_dict(),
    }
