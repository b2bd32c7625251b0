"""Datasets in a real kernel: data loaded in an ordinary cell, graded in a later ``%%tfcheck`` cell.

After ``%load_ext tfgrade`` with a course folder that lacks a file and no download allowed,
``keras.datasets.fashion_mnist.load_data()`` names the missing file, serves the real-sized
stand-in, and the card of a later graded cell still says the stand-in served the data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tfgrade.datasets import FASHION_MNIST_FILES, write_idx
from tfgrade.spec import load_exercise

from .conftest import report_of, stream_text

pytestmark = pytest.mark.kernel

EXERCISE = load_exercise(Path(__file__).resolve().parents[2] / "exercises" / "q03-dtypes")


def test_a_later_card_says_the_stand_in_served_and_the_missing_file_is_named(notebook_runner, tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    missing = "t10k-labels-idx1-ubyte.gz"
    for name in FASHION_MNIST_FILES.values():
        if name != missing:
            write_idx(course / name, np.zeros((3, 28, 28) if "images" in name else (3,), np.uint8))
    notebook = notebook_runner([
        "%load_ext tfgrade",
        "import keras\n(X_train_full, y_train_full), (X_test, y_test) = keras.datasets.fashion_mnist.load_data()\n"
        "print(X_train_full.shape, X_test.shape, X_train_full.dtype)",
        EXERCISE.setup_source,
        f"%%tfcheck {EXERCISE.short_id}\n" + EXERCISE.solution_source,
    ], KERAS_HOME=str(tmp_path / "empty-keras-home"), TFGRADE_OFFLINE="1", TFGRADE_DATA=str(course))
    load_cell, graded_cell = notebook.cells[1], notebook.cells[3]
    out = stream_text(load_cell)
    assert "(60000, 28, 28) (10000, 28, 28) uint8" in out
    assert sum(f"{course} lacks {missing}" in line for line in out.splitlines()) == 2   # notice + stand-in's reason
    assert stream_text(load_cell, "stderr") == ""
    report = report_of(graded_cell)
    assert report["data"] == {"fashion_mnist": {"source": "stand-in", "train": 60000, "test": 10000}}
    notes = [d for d in report["diagnostics"] if d["kind"] == "data"]
    assert len(notes) == 1 and "stand-in" in notes[0]["message"] and missing in notes[0]["message"]
