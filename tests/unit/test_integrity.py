"""The grading stack's record (tfgrade.integrity): what changed is named and put back; modules
imported later from the package's own files are not changes."""

from __future__ import annotations

import importlib
import sys
import types

import tfgrade.integrity as integrity
import tfgrade.render
import tfgrade.render.words  # noqa: F401 - dropped below, then imported again after the record
import tfgrade.report as report
from tfgrade.integrity import DEEP, Baseline


def test_changes_are_named_and_put_back_even_when_restore_own_helper_was_changed(monkeypatch):
    monkeypatch.delitem(sys.modules, "tfgrade.render.words")
    monkeypatch.delattr(tfgrade.render, "words")
    baseline = Baseline(roots=DEEP)
    assert baseline.restore() == []
    importlib.import_module("tfgrade.render.words")      # genuine: from the package's files
    original_to_dict, original_code = report.Report.to_dict, integrity._put_back.__code__
    report.Report.to_dict = print                         # a class attribute swapped for a built-in
    integrity._put_back.__code__ = (lambda owner, recorded, label: []).__code__   # restore's own helper
    sys.modules["tfgrade.planted"] = types.ModuleType("tfgrade.planted")
    try:
        changed = baseline.restore()
    finally:
        report.Report.to_dict, integrity._put_back.__code__ = original_to_dict, original_code
        sys.modules.pop("tfgrade.planted", None)
    assert "tfgrade.integrity._put_back.__code__" in changed
    assert "tfgrade.report.Report.to_dict" in changed
    assert any(c.startswith("sys.modules['tfgrade.planted'] (not loaded from ") for c in changed), changed
    assert not any("render.words" in c for c in changed), changed
    assert len(changed) == 3, changed


def test_put_back_means_put_back(monkeypatch):
    baseline = Baseline(roots=DEEP)
    original = report.Report.to_dict
    monkeypatch.setattr(report.Report, "to_dict", print)
    sys.modules["tfgrade.planted"] = types.ModuleType("tfgrade.planted")
    baseline.restore()
    assert report.Report.to_dict is original and "tfgrade.planted" not in sys.modules
    assert baseline.restore() == []
