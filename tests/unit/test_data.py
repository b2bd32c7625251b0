"""tfgrade.data: Fashion-MNIST from the Keras cache, a course folder, or a labelled stand-in.

No test uses the network: KERAS_HOME and TFGRADE_DATA point at temporary folders and
downloads are made to fail (or are skipped with TFGRADE_OFFLINE=1).
"""

from __future__ import annotations

import gzip
import os
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from tfgrade import data


@pytest.fixture(autouse=True)
def _no_network_no_cache(tmp_path, monkeypatch):
    """Empty Keras home, no course folder, and a download that fails."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.delenv("TFGRADE_DATA", raising=False)
    monkeypatch.delenv("TFGRADE_OFFLINE", raising=False)
    monkeypatch.chdir(tmp_path)   # no tfgrade.toml naming a data_dir

    def no_download():
        raise OSError("network disabled in tests")

    monkeypatch.setattr(data, "_download_with_keras", no_download)


def _tiny_set(seed: int, n_train: int = 12, n_test: int = 5):
    rng = np.random.default_rng(seed)
    x_train = rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8)
    y_train = rng.integers(0, 10, size=n_train, dtype=np.uint8)
    x_test = rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8)
    y_test = rng.integers(0, 10, size=n_test, dtype=np.uint8)
    return (x_train, y_train), (x_test, y_test)


def _write_set(folder: Path, arrays) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (x_train, y_train), (x_test, y_test) = arrays
    for (split, part), name in data.FASHION_MNIST_FILES.items():
        array = {("train", "images"): x_train, ("train", "labels"): y_train,
                 ("test", "images"): x_test, ("test", "labels"): y_test}[split, part]
        data.write_idx(folder / name, array)


def _assert_same(got, want) -> None:
    for a, b in zip([*got[0], *got[1]], [*want[0], *want[1]]):
        assert a.dtype == np.uint8
        np.testing.assert_array_equal(a, b)


# -- IDX ----------------------------------------------------------------------------------
def test_idx_round_trip_matches_keras_layout(tmp_path):
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    path = tmp_path / "x-idx3-ubyte.gz"
    data.write_idx(path, images)
    raw = gzip.decompress(path.read_bytes())
    # The header Keras skips (16 bytes for images) and the raw pixels after it.
    assert struct.unpack(">HBB3I", raw[:16]) == (0, 8, 3, 2, 28, 28)
    np.testing.assert_array_equal(np.frombuffer(raw, np.uint8, offset=16).reshape(2, 28, 28), images)
    np.testing.assert_array_equal(data.read_idx(path), images)


def test_read_idx_rejects_other_files(tmp_path):
    bad = tmp_path / "bad.gz"
    with gzip.open(bad, "wb") as handle:
        handle.write(b"PK\x03\x04not an idx file")
    with pytest.raises(ValueError, match="not an IDX file"):
        data.read_idx(bad)
    short = tmp_path / "short.gz"
    with gzip.open(short, "wb") as handle:
        handle.write(struct.pack(">HBBI", 0, 8, 1, 100) + b"\x00" * 10)
    with pytest.raises(ValueError, match="fewer values"):
        data.read_idx(short)


# -- the stand-in -------------------------------------------------------------------------
def test_stand_in_has_keras_shapes_and_dtypes_and_is_deterministic():
    (x_train, y_train), (x_test, y_test) = data.stand_in_fashion_mnist()
    assert x_train.shape == (data.STAND_IN_SIZES[0], 28, 28) and x_test.shape == (data.STAND_IN_SIZES[1], 28, 28)
    assert y_train.shape == (data.STAND_IN_SIZES[0],) and y_test.shape == (data.STAND_IN_SIZES[1],)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert set(np.unique(y_train)) == set(range(10))
    assert np.bincount(y_train).min() == np.bincount(y_train).max()   # balanced classes
    data.stand_in_fashion_mnist.cache_clear()
    _assert_same(data.stand_in_fashion_mnist(), ((x_train, y_train), (x_test, y_test)))
    assert not x_train.flags.writeable   # shared between loads, so read-only like Keras' arrays


def test_stand_in_is_learnable_but_not_trivial():
    (x_train, y_train), (x_test, y_test) = data.stand_in_fashion_mnist()
    X, Xt = x_train.reshape(len(x_train), -1) / 255.0, x_test.reshape(len(x_test), -1) / 255.0
    centroids = np.stack([X[y_train == c].mean(axis=0) for c in range(10)])
    predicted = np.argmin(((Xt[:, None, :] - centroids[None]) ** 2).sum(-1), axis=1)
    accuracy = float(np.mean(predicted == y_test))
    assert 0.5 < accuracy < 0.97, accuracy   # learnable, yet not solved by a lookup
    shuffled = np.random.default_rng(0).permutation(y_test)
    assert float(np.mean(predicted == shuffled)) < 0.2   # a broken pairing of images/labels is near chance


# -- sources, in order --------------------------------------------------------------------
def test_keras_cache_comes_first(tmp_path, monkeypatch):
    cache = _tiny_set(1)
    _write_set(tmp_path / "keras-home" / "datasets" / "fashion-mnist", cache)
    _write_set(tmp_path / "course", _tiny_set(2))
    monkeypatch.setenv("TFGRADE_DATA", str(tmp_path / "course"))
    began = time.perf_counter()
    _assert_same(data.load_fashion_mnist(), cache)
    assert [load.source for load in data.loads_since(began)] == ["keras-cache"]


def test_course_folder_when_no_cache(tmp_path, monkeypatch, capsys):
    course = _tiny_set(3)
    _write_set(tmp_path / "course" / "fashion-mnist", course)
    monkeypatch.setenv("TFGRADE_DATA", str(tmp_path / "course"))
    began = time.perf_counter()
    _assert_same(data.load_fashion_mnist(), course)
    assert data.report_data(began) == ({"fashion_mnist": {"source": "course", "train": 12, "test": 5}}, [])
    assert capsys.readouterr().out == ""


def test_course_folder_from_project_settings(tmp_path):
    course = _tiny_set(4)
    _write_set(tmp_path / "shared-data", course)
    (tmp_path / "tfgrade.toml").write_text('[tfgrade]\ndata_dir = "shared-data"\n')
    _assert_same(data.load_fashion_mnist(), course)


def test_stand_in_when_download_fails_with_notice_and_report(capsys):
    began = time.perf_counter()
    loaded = data.load_fashion_mnist()
    _assert_same(loaded, data.stand_in_fashion_mnist())
    captured = capsys.readouterr()
    assert captured.err == ""   # nbgrader grade cells lose all points on any stderr
    assert "stand-in" in captured.out and "network disabled in tests" in captured.out
    assert len(captured.out.strip().splitlines()) == 1
    report, notes = data.report_data(began)
    assert report == {"fashion_mnist": {"source": "stand-in", "train": data.STAND_IN_SIZES[0],
                                        "test": data.STAND_IN_SIZES[1]}}
    assert [(n.kind, n.severity) for n in notes] == [("data", "info")]
    assert "stand-in" in notes[0].message


def test_offline_setting_skips_the_download(monkeypatch):
    calls = []
    monkeypatch.setattr(data, "_download_with_keras", lambda: calls.append(1))
    monkeypatch.setenv("TFGRADE_OFFLINE", "1")
    data.load_fashion_mnist(quiet=True)
    assert calls == []


def test_loads_since_only_reports_recent_loads():
    data.load_fashion_mnist(quiet=True)
    after = time.perf_counter()
    assert data.loads_since(after) == []
    assert data.report_data(after) == ({}, [])


# -- the fallback inside keras.datasets ---------------------------------------------------
@pytest.fixture
def keras_without_network(monkeypatch):
    import keras
    import keras.src.datasets.fashion_mnist as source

    def refuse(*args, **kwargs):
        raise Exception("URL fetch failure (tests have no network)")

    monkeypatch.setattr(source, "get_file", refuse)
    yield keras
    data.uninstall_offline_fallback()


def test_fallback_serves_keras_and_tf_keras_spellings_and_uninstalls_exactly(keras_without_network, capsys):
    keras = keras_without_network
    import keras.src.datasets.fashion_mnist as source
    import tensorflow as tf

    data.uninstall_offline_fallback()   # whatever ran before in this process
    original = source.load_data
    with pytest.raises(Exception, match="no network"):
        keras.datasets.fashion_mnist.load_data()
    data.install_offline_fallback()
    data.install_offline_fallback()   # idempotent
    assert sum(f is data._finder for f in sys.meta_path) == 1
    began = time.perf_counter()
    _assert_same(keras.datasets.fashion_mnist.load_data(), data.stand_in_fashion_mnist())
    _assert_same(tf.keras.datasets.fashion_mnist.load_data(), data.stand_in_fashion_mnist())
    assert [load.source for load in data.loads_since(began)] == ["stand-in", "stand-in"]
    assert "stand-in" in capsys.readouterr().out
    data.uninstall_offline_fallback()
    assert source.load_data is original and keras.datasets.fashion_mnist.load_data is original
    assert tf.keras.datasets.fashion_mnist.load_data is original
    assert data._finder not in sys.meta_path
    data.uninstall_offline_fallback()   # idempotent


def test_fallback_prefers_the_course_folder(keras_without_network, tmp_path, monkeypatch):
    course = _tiny_set(5)
    _write_set(tmp_path / "course", course)
    monkeypatch.setenv("TFGRADE_DATA", str(tmp_path / "course"))
    data.install_offline_fallback()
    _assert_same(keras_without_network.datasets.fashion_mnist.load_data(), course)


def test_fallback_works_when_keras_is_imported_later(tmp_path):
    """In a fresh interpreter: install first (cheaply, without TF), import Keras afterwards."""
    script = textwrap.dedent("""
        import sys, time
        import tfgrade.data as data
        began = time.perf_counter()
        data.install_offline_fallback()
        assert "tensorflow" not in sys.modules and "keras" not in sys.modules and "numpy" not in sys.modules
        assert time.perf_counter() - began < 0.5
        import keras
        (x, y), (xt, yt) = keras.datasets.fashion_mnist.load_data()
        assert x.shape[1:] == (28, 28) and x.dtype.name == "uint8"
        print("SOURCE", data.loads_since(began)[-1].source)
    """)
    env = {**os.environ, "KERAS_HOME": str(tmp_path / "empty"), "TFGRADE_OFFLINE": "1",
           "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    env.pop("TFGRADE_DATA", None)
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "SOURCE stand-in" in done.stdout
