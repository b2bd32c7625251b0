"""Renderers: pure functions of a Report (text for terminals, HTML for static notebooks)."""
