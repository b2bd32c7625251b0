"""catalog: lookup by id / short id, "did you mean", course folders, broken folders."""

from __future__ import annotations

import os

import pytest

from tfgrade import catalog
from tfgrade.catalog import broken_exercises, builtin_exercises_dir, get_exercise, list_exercises
from tfgrade.errors import SpecError, UnknownExerciseError

from ._exercise_factory import write_exercise


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A course folder with three exercises and no built-in catalog (so tests see only these)."""
    root = tmp_path / "course"
    write_exercise(root, "ex12-layer-norm", toml_extra="order = 12\n")
    write_exercise(root, "ex13-training-loop", toml_extra="order = 13\n")
    write_exercise(root, "q02-tf-vs-numpy", toml_extra="order = 2\n")
    monkeypatch.setattr(catalog, "builtin_exercises_dir", lambda: tmp_path / "no-builtins")
    monkeypatch.setenv("TFGRADE_EXERCISES", str(root))
    return root


def test_builtin_catalog_is_the_exercises_folder_of_the_checkout():
    folder = builtin_exercises_dir()
    assert folder.is_dir()
    assert (folder / "ex12-layer-norm" / "exercise.toml").is_file()


def test_builtin_exercise_found_by_id_and_short_id(monkeypatch):
    monkeypatch.delenv("TFGRADE_EXERCISES", raising=False)
    by_short = get_exercise("ex12")
    assert by_short.id == "ex12-layer-norm"
    assert get_exercise("ex12-layer-norm") == by_short
    assert by_short.folder == builtin_exercises_dir() / "ex12-layer-norm"


def test_lookup_by_id_short_id_spacing_and_case(course):
    assert get_exercise("ex13-training-loop").folder == course / "ex13-training-loop"
    assert get_exercise("ex13").id == "ex13-training-loop"
    assert get_exercise("  q02 ").id == "q02-tf-vs-numpy"
    assert get_exercise("EX12").id == "ex12-layer-norm"


def test_listed_in_catalog_order(course):
    assert [e.id for e in list_exercises()] == ["q02-tf-vs-numpy", "ex12-layer-norm", "ex13-training-loop"]


def test_unknown_id_suggests_close_ones(course):
    with pytest.raises(UnknownExerciseError) as info:
        get_exercise("ex21")
    err = info.value
    assert err.requested == "ex21"
    assert "ex12" in err.suggestions
    assert "q02" not in err.suggestions
    assert set(err.known) == {"ex12", "ex13", "q02"}
    assert "'ex12'" in str(err) and "Did you mean" in str(err)
    assert isinstance(err, LookupError)


def test_prefix_is_suggested(course):
    with pytest.raises(UnknownExerciseError) as info:
        get_exercise("q0")
    assert "q02" in info.value.suggestions


def test_nothing_close_gives_no_suggestion_but_lists_known(course):
    with pytest.raises(UnknownExerciseError) as info:
        get_exercise("zzzzzz")
    assert info.value.suggestions == []
    assert "Did you mean" not in str(info.value)
    assert "ex12" in str(info.value)


def test_course_folders_add_and_override(tmp_path, monkeypatch):
    monkeypatch.delenv("TFGRADE_EXERCISES", raising=False)
    builtin_ids = [e.id for e in list_exercises()]
    assert "ex12-layer-norm" in builtin_ids

    first, second = tmp_path / "course-a", tmp_path / "course-b"
    write_exercise(first, "zz1-extra", title="Extra one")
    write_exercise(second, "ex12-layer-norm", short_id="ex12", title="Course version of ex12")
    monkeypatch.setenv("TFGRADE_EXERCISES", os.pathsep.join([str(first), str(second)]))

    ids = [e.id for e in list_exercises()]
    assert "zz1-extra" in ids
    assert ids.count("ex12-layer-norm") == 1
    assert get_exercise("zz1").title == "Extra one"
    replaced = get_exercise("ex12")
    assert replaced.title == "Course version of ex12"
    assert replaced.folder == second / "ex12-layer-norm"


def test_extra_dirs_argument(tmp_path, monkeypatch):
    monkeypatch.delenv("TFGRADE_EXERCISES", raising=False)
    write_exercise(tmp_path / "extra", "zz2-arg")
    with pytest.raises(UnknownExerciseError):
        get_exercise("zz2")
    assert get_exercise("zz2", extra_dirs=[tmp_path / "extra"]).id == "zz2-arg"


def test_missing_course_folder_is_ignored(course, tmp_path, monkeypatch):
    monkeypatch.setenv("TFGRADE_EXERCISES", os.pathsep.join([str(tmp_path / "nowhere"), str(course)]))
    assert len(list_exercises()) == 3


def test_broken_folder_does_not_hide_the_others(course):
    broken = write_exercise(course, "ex14-broken")
    (broken / "exercise.toml").write_text('id = "ex14-wrong"\nshort_id = "ex14"\ntitle = "Broken"\n')

    assert [e.id for e in list_exercises()] == ["q02-tf-vs-numpy", "ex12-layer-norm", "ex13-training-loop"]
    [problem] = broken_exercises()
    assert isinstance(problem, SpecError)
    assert "ex14-broken" in str(problem) and "ex14-wrong" in str(problem)
    # asking for the broken one by its folder name says what is wrong, not "unknown"
    with pytest.raises(SpecError):
        get_exercise("ex14-broken")


def test_folder_with_wrongly_typed_value_is_listed_as_broken(course):
    """A type error in one exercise.toml must not crash the catalog (it is one more broken folder)."""
    broken = write_exercise(course, "ex15-typo", toml_extra='order = "fifteen"\n')
    assert broken.is_dir()
    assert len(list_exercises()) == 3
    [problem] = broken_exercises()
    assert "ex15-typo" in str(problem) and "order" in str(problem)
