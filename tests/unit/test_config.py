"""config: defaults < tfgrade.toml < environment < per-call overrides."""

from __future__ import annotations

import pytest

from tfgrade.config import ALL_PROBES, Settings, load_settings


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


def test_project_file_without_tfgrade_table_is_ignored(tmp_path):
    _project(tmp_path, "[other]\nseed = 9\n")
    assert load_settings(environ={}, folder=tmp_path) == Settings()


def test_probe_names_keep_requested_order_and_updated_is_a_copy():
    settings = Settings(probes=("devices", "output"))
    assert settings.probe_names() == ("devices", "output")
    changed = settings.updated(seed=1, widget=None)
    assert changed.seed == 1 and changed.widget is True and settings.seed is None
