"""spec: exercise.toml parsing and validation; every invalid folder names its file and the fix."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tfgrade.errors import SpecError, TfgradeError
from tfgrade.spec import Exercise, load_exercise

from ._exercise_factory import write_exercise

FULL_TOML = """\
id = "ex77-full"
short_id = "ex77"
title = "  A full exercise  "
order = 77
summary = "One line."
time_limit = 3.5
seed = 7
seed_cell = false
requires = ["Model", "train"]
hints = ["Think about shapes."]

[budget]
epochs = 2
"""


def _folder(tmp_path: Path, toml: str, name: str = "ex77-full") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "exercise.toml").write_text(toml, encoding="utf-8")
    (folder / "solution.py").write_text("x = 1\n", encoding="utf-8")
    (folder / "checks.py").write_text("def check_x():\n    pass\n", encoding="utf-8")
    return folder


def test_a_complete_folder_loads_every_field(tmp_path):
    folder = _folder(tmp_path, FULL_TOML)
    (folder / "prompt.md").write_text("Do the thing.", encoding="utf-8")
    (folder / "setup.py").write_text("import math\n", encoding="utf-8")
    (folder / "starter.py").write_text("# start here\n", encoding="utf-8")
    (folder / "hidden_checks.py").write_text("def check_secret():\n    pass\n", encoding="utf-8")
    (folder / "mutants").mkdir()
    (folder / "mutants" / "off_by_one.py").write_text("# mistake: adds two instead of one\nx = 2\n", encoding="utf-8")

    ex = load_exercise(folder)

    assert isinstance(ex, Exercise)
    assert (ex.id, ex.short_id, ex.title) == ("ex77-full", "ex77", "A full exercise")
    assert ex.order == 77 and ex.summary == "One line."
    assert ex.time_limit == 3.5 and ex.seed == 7 and ex.seed_cell is False
    assert ex.requires == ("Model", "train")
    assert ex.general_hints == ("Think about shapes.",)
    assert ex.budget["epochs"] == 2
    assert ex.prompt == "Do the thing."
    assert ex.setup_source == "import math\n"
    assert ex.starter_source == "# start here\n"
    assert ex.solution_source == "x = 1\n"
    assert ex.checks_path == folder / "checks.py"
    assert ex.hidden_checks_path == folder / "hidden_checks.py"
    [mutant] = ex.mutants
    assert mutant.name == "off_by_one"
    assert mutant.note == "adds two instead of one"
    assert mutant.source.endswith("x = 2\n")
    assert ex.matches("ex77") and ex.matches("ex77-full") and not ex.matches("ex7")


def test_minimal_folder_gets_documented_defaults(tmp_path):
    ex = load_exercise(write_exercise(tmp_path, "ex5-min"))
    assert ex.time_limit == 20 and ex.seed == 42 and ex.seed_cell is True
    assert ex.requires == () and ex.general_hints == () and dict(ex.budget) == {}
    assert ex.prompt == "" and ex.setup_source == "" and ex.starter_source == ""
    assert ex.hidden_checks_path is None and ex.mutants == ()


def test_exercise_is_frozen_and_budget_read_only(tmp_path):
    ex = load_exercise(_folder(tmp_path, FULL_TOML))
    with pytest.raises(dataclasses.FrozenInstanceError):
        ex.title = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        ex.budget["epochs"] = 100  # type: ignore[index]


def test_missing_exercise_toml(tmp_path):
    folder = tmp_path / "ex9-none"
    folder.mkdir()
    with pytest.raises(SpecError) as info:
        load_exercise(folder)
    assert str(folder) in str(info.value)
    assert "exercise.toml" in str(info.value)
    assert isinstance(info.value, TfgradeError)


def test_bad_toml_names_the_file(tmp_path):
    folder = _folder(tmp_path, 'id = "ex77-full"\ntitle = \n')
    with pytest.raises(SpecError) as info:
        load_exercise(folder)
    assert str(folder / "exercise.toml") in str(info.value)
    assert "TOML" in str(info.value)


def test_unknown_key_lists_the_allowed_ones(tmp_path):
    folder = _folder(tmp_path, FULL_TOML.replace("order = 77", "ordre = 77"))
    with pytest.raises(SpecError) as info:
        load_exercise(folder)
    message = str(info.value)
    assert str(folder / "exercise.toml") in message
    assert "ordre" in message
    assert "order" in message.split("ordre", 1)[1]    # the allowed keys are listed after the bad one


def test_id_must_equal_the_folder_name(tmp_path):
    folder = _folder(tmp_path, FULL_TOML, name="ex77-renamed")
    with pytest.raises(SpecError) as info:
        load_exercise(folder)
    message = str(info.value)
    assert "exercise.toml" in message
    assert "ex77-full" in message and "ex77-renamed" in message
    assert "equal" in message


@pytest.mark.parametrize("key, value", [("id", "Ex77_Full"), ("short_id", "ex 77"), ("short_id", "EX77")])
def test_ids_use_lower_case_letters_digits_and_dashes(tmp_path, key, value):
    toml = FULL_TOML.replace(f'{key} = "{"ex77-full" if key == "id" else "ex77"}"', f'{key} = "{value}"')
    folder = _folder(tmp_path, toml, name=value if key == "id" else "ex77-full")
    with pytest.raises(SpecError) as info:
        load_exercise(folder)
    message = str(info.value)
    assert f"`{key}`" in message and repr(value) in message
    assert "lower-case" in message


@pytest.mark.parametrize("key", ["id", "short_id", "title"])
def test_required_strings(tmp_path, key):
    lines = [line for line in FULL_TOML.splitlines() if not line.startswith(f"{key} =")]
    folder = _folder(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(SpecError) as info:
        load_exercise(folder)
    assert f"`{key}`" in str(info.value) and "non-empty string" in str(info.value)


@pytest.mark.parametrize("missing", ["solution.py", "checks.py"])
def test_missing_required_file(tmp_path, missing):
    folder = _folder(tmp_path, FULL_TOML)
    (folder / missing).unlink()
    with pytest.raises(SpecError) as info:
        load_exercise(folder)
    assert str(folder) in str(info.value)
    assert f"missing {missing}" in str(info.value)


@pytest.mark.parametrize("value", ["-1", "0", '"ten"'])
def test_time_limit_must_be_positive(tmp_path, value):
    folder = _folder(tmp_path, FULL_TOML.replace("time_limit = 3.5", f"time_limit = {value}"))
    with pytest.raises(SpecError) as info:
        load_exercise(folder)
    assert "exercise.toml" in str(info.value)
    assert "`time_limit` must be a positive number of seconds" in str(info.value)


def test_budget_must_be_a_table(tmp_path):
    toml = FULL_TOML.replace("[budget]\nepochs = 2\n", "").replace("order = 77", "order = 77\nbudget = 3")
    with pytest.raises(SpecError, match="`budget` must be a table"):
        load_exercise(_folder(tmp_path, toml))


def test_requires_and_hints_must_be_strings(tmp_path):
    folder = _folder(tmp_path, FULL_TOML.replace('requires = ["Model", "train"]', 'requires = ["Model", 3]'))
    with pytest.raises(SpecError, match="lists of strings"):
        load_exercise(folder)


@pytest.mark.parametrize("line", ['order = "soon"', 'seed = "lucky"', 'hints = 5', 'requires = "Model"'])
def test_wrongly_typed_values_are_spec_errors(tmp_path, line):
    """A wrong type must be reported as a SpecError naming exercise.toml, not escape as a
    ValueError/TypeError (which would crash the whole catalog scan) nor be silently mangled
    (``requires = "Model"`` must not become ('M', 'o', 'd', 'e', 'l'))."""
    key = line.split(" = ")[0]
    lines = [x for x in FULL_TOML.splitlines() if not x.startswith(f"{key} =")]
    lines.insert(3, line)
    folder = _folder(tmp_path, "\n".join(lines) + "\n")
    with pytest.raises(SpecError) as info:
        load_exercise(folder)
    assert "exercise.toml" in str(info.value) and key in str(info.value)


def test_mutant_without_mistake_line(tmp_path):
    folder = write_exercise(tmp_path, "ex8-mut", mutants={"sneaky": "x = 2  # mistake: not on line one\n"})
    with pytest.raises(SpecError) as info:
        load_exercise(folder).mutants
    message = str(info.value)
    assert str(folder / "mutants" / "sneaky.py") in message
    assert "# mistake:" in message


def test_empty_mutant_file(tmp_path):
    folder = write_exercise(tmp_path, "ex8-mut", mutants={"empty": ""})
    with pytest.raises(SpecError, match="# mistake:"):
        load_exercise(folder).mutants


def test_mutants_are_sorted_by_name(tmp_path):
    folder = write_exercise(
        tmp_path, "ex8-mut",
        mutants={"zeta": "# mistake: z\n", "alpha": "# mistake:a\n", "mid": "# mistake:   m  \n"},
    )
    mutants = load_exercise(folder).mutants
    assert [m.name for m in mutants] == ["alpha", "mid", "zeta"]
    assert [m.note for m in mutants] == ["a", "m", "z"]
