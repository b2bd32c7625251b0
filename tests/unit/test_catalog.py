"""catalog: lookup by id / short id, "did you mean", course folders, broken folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tfgrade import catalog
from tfgrade.catalog import broken_exercises, builtin_exercises_dir, get_exercise, list_exercises
from tfgrade.config import Settings
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


def test_course_folders_add_exercises_and_a_colliding_id_is_refused_naming_both_folders(tmp_path, monkeypatch):
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
    with pytest.raises(SpecError) as info:       # never silently answered by one of the two
        get_exercise("ex12")
    message = str(info.value)
    assert str(second / "ex12-layer-norm") in message and str(builtin_exercises_dir() / "ex12-layer-norm") in message
    assert "already used" in message
    assert any("Course version" not in str(p) and "ex12" in str(p) for p in broken_exercises())


def test_short_id_collision_between_two_course_folders(tmp_path, monkeypatch):
    first, second = tmp_path / "a", tmp_path / "b"
    write_exercise(first, "zz1-one", short_id="zz1")
    write_exercise(second, "zz1-two", short_id="zz1")
    monkeypatch.setenv("TFGRADE_EXERCISES", os.pathsep.join([str(first), str(second)]))
    [problem] = [p for p in broken_exercises() if "zz1" in str(p)]
    assert str(first / "zz1-one") in str(problem) and str(second / "zz1-two") in str(problem)
    with pytest.raises(SpecError):
        get_exercise("zz1")
    assert get_exercise("zz1-one").folder == first / "zz1-one"


def test_same_folder_named_twice_is_not_a_collision(tmp_path, monkeypatch):
    write_exercise(tmp_path / "c", "zz3-once")
    monkeypatch.setenv("TFGRADE_EXERCISES", os.pathsep.join([str(tmp_path / "c"), str(tmp_path / "c" / ".")]))
    assert get_exercise("zz3").id == "zz3-once" and broken_exercises() == []


def test_folders_come_from_the_settings_passed_in(tmp_path, monkeypatch):
    """The catalog reads no environment itself when the caller has settings."""
    monkeypatch.setenv("TFGRADE_EXERCISES", str(tmp_path / "ignored"))
    write_exercise(tmp_path / "ignored", "zz4-env")
    write_exercise(tmp_path / "given", "zz5-given")
    settings = Settings(extra_exercise_dirs=(str(tmp_path / "given"),))
    ids = [e.id for e in list_exercises(settings=settings)]
    assert "zz5-given" in ids and "zz4-env" not in ids
    assert get_exercise("zz5", settings=settings).id == "zz5-given"


def test_project_file_extra_exercise_dirs_are_used(tmp_path, monkeypatch):
    monkeypatch.delenv("TFGRADE_EXERCISES", raising=False)
    write_exercise(tmp_path / "course" / "exercises", "zz6-toml")
    (tmp_path / "course" / "tfgrade.toml").write_text('[tfgrade]\nextra_exercise_dirs = ["exercises"]\n')
    monkeypatch.chdir(tmp_path / "course")
    assert get_exercise("zz6").folder.resolve() == (tmp_path / "course" / "exercises" / "zz6-toml").resolve()


def _install_course_package(site: Path, value: str, package: str = "zzcourse") -> None:
    """What `pip install` leaves: the package, and a .dist-info whose entry_points.txt names its folder."""
    write_exercise(site / package / "exercises", "zz7-pkg", title="From a package")
    (site / package / "__init__.py").write_text("from pathlib import Path\nHERE = Path(__file__).parent / 'exercises'\n")
    (site / package / "exercises" / "__init__.py").write_text("")
    info = site / f"{package}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[tfgrade.exercises]\n{package} = {value}\n")


@pytest.mark.parametrize("package, value", [("zzcourse_a", "zzcourse_a.exercises"), ("zzcourse_b", "zzcourse_b:HERE")])
def test_course_package_entry_point_adds_its_exercises(tmp_path, monkeypatch, package, value):
    monkeypatch.delenv("TFGRADE_EXERCISES", raising=False)
    site = tmp_path / "site"
    _install_course_package(site, value, package)
    monkeypatch.syspath_prepend(str(site))
    exercise = get_exercise("zz7")
    assert exercise.title == "From a package"
    assert exercise.folder.resolve() == (site / package / "exercises" / "zz7-pkg").resolve()


def test_broken_entry_point_is_reported_not_raised(tmp_path, monkeypatch):
    site = tmp_path / "site"
    _install_course_package(site, "zzcourse_missing_module:NOPE")
    monkeypatch.syspath_prepend(str(site))
    assert "q03-dtypes" in [e.id for e in list_exercises()]
    assert any("zzcourse_missing_module" in str(p) and "entry point" in str(p) for p in broken_exercises())


def test_malformed_toml_is_found_by_its_short_id(course):
    broken = write_exercise(course, "c01-broken", short_id="c01")
    (broken / "exercise.toml").write_text('id = "c01-broken"\nshort_id = "c01"\ntitle = \n')
    with pytest.raises(SpecError) as info:
        get_exercise("c01")
    assert "exercise.toml:3" in str(info.value) and "TOML" in str(info.value)


def test_extra_dirs_argument(tmp_path, monkeypatch):
    monkeypatch.delenv("TFGRADE_EXERCISES", raising=False)
    write_exercise(tmp_path / "extra", "zz2-arg")
    with pytest.raises(UnknownExerciseError):
        get_exercise("zz2")
    assert get_exercise("zz2", extra_dirs=[tmp_path / "extra"]).id == "zz2-arg"


def test_missing_course_folder_is_reported_and_hides_nothing(course, tmp_path, monkeypatch):
    monkeypatch.setenv("TFGRADE_EXERCISES", os.pathsep.join([str(tmp_path / "nowhere"), str(course)]))
    assert len(list_exercises()) == 3
    [problem] = broken_exercises()
    assert str(tmp_path / "nowhere") in str(problem) and "does not exist" in str(problem)


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
