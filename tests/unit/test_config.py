"""config: defaults < tfgrade.toml < environment < per-call overrides."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from tfgrade.config import ALL_PROBES, SETTINGS_DOC, Settings, SettingsError, load_settings


def _project(folder, body: str) -> None:
    (folder / "tfgrade.toml").write_text(body, encoding="utf-8")


def test_defaults(tmp_path):
    settings = load_settings(environ={}, folder=tmp_path)
    assert settings == Settings()
    assert settings.include_hidden is False and settings.time_scale == 1.0
    assert settings.probes is None and settings.widget is True and settings.seed is None
    assert set(settings.probe_names()) == set(ALL_PROBES)


def test_project_file_overrides_defaults(tmp_path):
    _project(tmp_path, '[tfgrade]\ninclude_hidden = true\ntime_scale = 2.5\nprobes = ["output"]\nseed = 3\n')
    settings = load_settings(environ={}, folder=tmp_path)
    assert settings.include_hidden is True
    assert settings.time_scale == 2.5
    assert settings.probes == ("output",)
    assert settings.seed == 3
    assert settings.widget is True                     # untouched keys keep their defaults


def test_environment_overrides_project_file(tmp_path):
    _project(tmp_path, '[tfgrade]\ntime_scale = 2.5\nseed = 3\nwidget = false\nprobes = ["output"]\n')
    environ = {"TFGRADE_TIME_SCALE": "4", "TFGRADE_SEED": "11", "TFGRADE_PROBES": "tracing, devices",
               "TFGRADE_HIDDEN": "yes", "TFGRADE_DATA": "/data"}
    settings = load_settings(environ=environ, folder=tmp_path)
    assert settings.time_scale == 4.0 and settings.seed == 11
    assert settings.probes == ("tracing", "devices")
    assert settings.include_hidden is True and settings.data_dir == "/data"
    assert settings.widget is False                    # from the file: not set in the environment


def test_overrides_win_over_everything(tmp_path):
    _project(tmp_path, "[tfgrade]\ntime_scale = 2.5\nseed = 3\n")
    settings = load_settings(environ={"TFGRADE_TIME_SCALE": "4", "TFGRADE_HIDDEN": "1"}, folder=tmp_path,
                             time_scale=0.5, include_hidden=False, seed=None)
    assert settings.time_scale == 0.5
    assert settings.include_hidden is False            # an explicit False override counts
    assert settings.seed == 3                          # a None override means "not given"


def test_empty_environment_values_are_ignored(tmp_path):
    _project(tmp_path, "[tfgrade]\nseed = 3\n")
    assert load_settings(environ={"TFGRADE_SEED": ""}, folder=tmp_path).seed == 3


def test_reads_os_environ_and_working_folder_by_default(tmp_path, monkeypatch):
    _project(tmp_path, "[tfgrade]\nseed = 5\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TFGRADE_WIDGET", "0")
    monkeypatch.delenv("TFGRADE_SEED", raising=False)
    settings = load_settings()
    assert settings.seed == 5 and settings.widget is False


@pytest.mark.parametrize("text, expected", [("1", True), ("true", True), ("ON", True), ("0", False), ("no", False)])
def test_boolean_spellings(tmp_path, text, expected):
    assert load_settings(environ={"TFGRADE_HIDDEN": text}, folder=tmp_path).include_hidden is expected


@pytest.mark.parametrize("text", ["none", "off", "NONE"])
def test_probes_can_be_switched_off(tmp_path, text):
    settings = load_settings(environ={"TFGRADE_PROBES": text}, folder=tmp_path)
    assert settings.probes == () and settings.probe_names() == ()


def test_bad_probe_name_in_environment_is_rejected(tmp_path):
    with pytest.raises(ValueError) as info:
        load_settings(environ={"TFGRADE_PROBES": "output,tracin"}, folder=tmp_path)
    assert "tracin" in str(info.value)
    assert "tracing" in str(info.value)                # the known names are listed


def test_bad_probe_name_in_project_file_is_rejected(tmp_path):
    """A typo in tfgrade.toml must not silently switch a probe off."""
    _project(tmp_path, '[tfgrade]\nprobes = ["output", "tracin"]\n')
    with pytest.raises(ValueError) as info:
        load_settings(environ={}, folder=tmp_path)
    assert "tracin" in str(info.value)


def test_unknown_project_setting_is_rejected(tmp_path):
    _project(tmp_path, "[tfgrade]\ninclude_hiden = true\n")
    with pytest.raises(ValueError) as info:
        load_settings(environ={}, folder=tmp_path)
    assert "include_hiden" in str(info.value) and "tfgrade.toml" in str(info.value)
    assert "include_hidden" in str(info.value)


def test_bad_environment_number_names_the_variable(tmp_path):
    with pytest.raises(ValueError) as info:
        load_settings(environ={"TFGRADE_TIME_SCALE": "fast"}, folder=tmp_path)
    assert "TFGRADE_TIME_SCALE" in str(info.value)


def test_project_file_without_tfgrade_table_is_an_error_naming_the_file(tmp_path):
    _project(tmp_path, "seed = 9\n")
    with pytest.raises(SettingsError) as info:
        load_settings(environ={}, folder=tmp_path)
    assert str(tmp_path / "tfgrade.toml") in str(info.value) and "[tfgrade]" in str(info.value)


def test_malformed_project_file_is_a_settings_error(tmp_path):
    _project(tmp_path, "[tfgrade\nseed = 9\n")
    with pytest.raises(SettingsError, match="tfgrade.toml: not valid TOML"):
        load_settings(environ={}, folder=tmp_path)


@pytest.mark.parametrize("line, key, expected", [
    ('include_hidden = "no"', "include_hidden", "true or false"),
    ('time_scale = "2"', "time_scale", "positive number"),
    ("time_scale = 0", "time_scale", "positive number"),
    ('seed = 1.5', "seed", "whole number"),
    ('widget = 1', "widget", "true or false"),
    ('probes = "tracing"', "probes", "list of probe names"),
    ('data_dir = 3', "data_dir", "folder path"),
    ('extra_exercise_dirs = "course"', "extra_exercise_dirs", "list of folder paths"),
])
def test_project_values_are_checked_with_their_types(tmp_path, line, key, expected):
    """One line naming file, key and the expected type; never a silent wrong value or a TypeError later."""
    _project(tmp_path, f"[tfgrade]\n{line}\n")
    with pytest.raises(SettingsError) as info:
        load_settings(environ={}, folder=tmp_path)
    message = str(info.value)
    assert "\n" not in message
    assert str(tmp_path / "tfgrade.toml") in message and f"`{key}`" in message and expected in message


@pytest.mark.parametrize("var, value", [("TFGRADE_TIME_SCALE", "abc"), ("TFGRADE_TIME_SCALE", "0"),
                                        ("TFGRADE_TIME_SCALE", "-1"), ("TFGRADE_TIME_SCALE", "nan"),
                                        ("TFGRADE_SEED", "x"), ("TFGRADE_HIDDEN", "maybe")])
def test_bad_environment_values_name_the_variable(tmp_path, var, value):
    with pytest.raises(SettingsError) as info:
        load_settings(environ={var: value}, folder=tmp_path)
    assert str(info.value).startswith(f"{var} = {value!r}: expected")


@pytest.mark.parametrize("override", [{"time_scale": 0}, {"include_hidden": "no"}, {"seed": "x"},
                                      {"include_hiden": True}])
def test_keyword_overrides_are_checked_too(tmp_path, override):
    with pytest.raises(SettingsError) as info:
        load_settings(environ={}, folder=tmp_path, **override)
    assert next(iter(override)) in str(info.value)


def test_extra_exercise_dirs_from_file_are_relative_to_it_and_come_after_the_environment(tmp_path, monkeypatch):
    _project(tmp_path, '[tfgrade]\nextra_exercise_dirs = ["course", "/abs/other"]\n')
    monkeypatch.chdir("/")
    settings = load_settings(environ={"TFGRADE_EXERCISES": f"/env/a{os.pathsep}/env/b"}, folder=tmp_path)
    assert settings.extra_exercise_dirs == ("/env/a", "/env/b", str((tmp_path / "course").resolve()), "/abs/other")


def test_every_setting_is_documented_in_the_readme_next_to_its_variable():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `")]
    for key, (var, _) in SETTINGS_DOC.items():
        assert any(f"`{key}`" in row and f"`{var}`" in row for row in rows), f"{key}/{var} missing from README's table"
    assert set(SETTINGS_DOC) == {f.name for f in dataclasses.fields(Settings)}


def test_probe_names_keep_requested_order_and_updated_is_a_copy():
    settings = Settings(probes=("devices", "output"))
    assert settings.probe_names() == ("devices", "output")
    changed = settings.updated(seed=1, widget=None)
    assert changed.seed == 1 and changed.widget is True and settings.seed is None
