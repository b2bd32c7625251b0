"""tfgrade.datasets: Fashion-MNIST from the Keras cache, a course folder, or a labelled stand-in.

No test uses the network: KERAS_HOME and the course folder point at temporary folders and
downloads are made to fail (or are skipped with ``offline``). The stand-in's difficulty is
shown by ``benchmarks/standin_calibration.py``, not here.
"""

from __future__ import annotations

import gzip
import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from tfgrade import datasets
from tfgrade.datasets import keras_hook, standin
from tfgrade.observations import Observations
from tfgrade.probes import ProbeContext, ProbeSession


@pytest.fixture(autouse=True)
def _no_network_no_cache(tmp_path, monkeypatch):
    """Empty Keras home, no course folder, no fallback installed, and a download that fails."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.chdir(tmp_path)

    def no_download():
        raise OSError("network disabled in tests")

    monkeypatch.setattr(keras_hook, "_keras_download", no_download)
    datasets.uninstall_offline_fallback()
    yield
    datasets.uninstall_offline_fallback()


def _tiny_set(seed: int, n_train: int = 12, n_test: int = 5):
    rng = np.random.default_rng(seed)
    x_train = rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8)
    y_train = rng.integers(0, 10, size=n_train, dtype=np.uint8)
    x_test = rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8)
    y_test = rng.integers(0, 10, size=n_test, dtype=np.uint8)
    return (x_train, y_train), (x_test, y_test)


def _write_set(folder: Path, arrays, skip: tuple[str, ...] = ()) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (x_train, y_train), (x_test, y_test) = arrays
    for (split, part), name in datasets.FASHION_MNIST_FILES.items():
        array = {("train", "images"): x_train, ("train", "labels"): y_train,
                 ("test", "images"): x_test, ("test", "labels"): y_test}[split, part]
        if name not in skip:
            datasets.write_idx(folder / name, array)


def _assert_same(got, want) -> None:
    for a, b in zip([*got[0], *got[1]], [*want[0], *want[1]], strict=True):
        assert a.dtype == np.uint8
        np.testing.assert_array_equal(a, b)


# -- IDX ----------------------------------------------------------------------------------
def test_idx_round_trip_matches_keras_layout(tmp_path):
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    path = tmp_path / "x-idx3-ubyte.gz"
    datasets.write_idx(path, images)
    raw = gzip.decompress(path.read_bytes())
    # The header Keras skips (16 bytes for images) and the raw pixels after it.
    assert struct.unpack(">HBB3I", raw[:16]) == (0, 8, 3, 2, 28, 28)
    np.testing.assert_array_equal(np.frombuffer(raw, np.uint8, offset=16).reshape(2, 28, 28), images)
    np.testing.assert_array_equal(datasets.read_idx(path), images)


def test_read_idx_rejects_other_files(tmp_path):
    bad = tmp_path / "bad.gz"
    with gzip.open(bad, "wb") as handle:
        handle.write(b"PK\x03\x04not an idx file")
    with pytest.raises(ValueError, match="not an IDX file"):
        datasets.read_idx(bad)
    short = tmp_path / "short.gz"
    with gzip.open(short, "wb") as handle:
        handle.write(struct.pack(">HBBI", 0, 8, 1, 100) + b"\x00" * 10)
    with pytest.raises(ValueError, match="fewer values"):
        datasets.read_idx(short)


# -- the stand-in -------------------------------------------------------------------------
def test_stand_in_is_shaped_like_the_real_data(tmp_path):
    (x_train, y_train), (x_test, y_test) = datasets.stand_in_fashion_mnist()
    assert x_train.shape == (60_000, 28, 28) and x_test.shape == (10_000, 28, 28)
    assert y_train.shape == (60_000,) and y_test.shape == (10_000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert x_train.min() == 0 and x_train.max() == 255       # the whole 0..255 range, as photos use it
    assert 0.3 < float(np.mean(x_train == 0)) < 0.7          # a black background around the garment
    assert np.bincount(y_train).tolist() == [6_000] * 10     # ten balanced classes
    assert np.bincount(y_test).tolist() == [1_000] * 10
    # Labels are shuffled: the first 5,000 images (the book's validation split) hold every class.
    assert np.bincount(y_train[:5000], minlength=10).min() > 400
    assert not x_train.flags.writeable   # shared between loads, so read-only


def test_stand_in_is_deterministic_and_seeded():
    first = standin.generate(7, sizes=(300, 50))
    _assert_same(standin.generate(7, sizes=(300, 50)), first)
    other = standin.generate(8, sizes=(300, 50))
    assert not np.array_equal(other[0][0], first[0][0])


def test_stand_in_is_cached_on_disk_atomically(tmp_path, monkeypatch):
    standin.stand_in_fashion_mnist.cache_clear()
    cache = tmp_path / "cache"
    generated = standin.stand_in_fashion_mnist(cache_dir=str(cache))
    path = standin.cache_path(str(cache))
    assert path.is_file() and f"v{standin.GENERATOR_VERSION}" in path.name
    assert [p.name for p in cache.iterdir()] == [path.name]   # no temporary file left behind
    standin.stand_in_fashion_mnist.cache_clear()
    monkeypatch.setattr(standin, "generate", lambda *a, **k: pytest.fail("generated again despite the cache"))
    _assert_same(standin.stand_in_fashion_mnist(cache_dir=str(cache)), generated)
    path.write_bytes(b"truncated")          # a damaged cache is made again, not trusted
    monkeypatch.undo()
    standin.stand_in_fashion_mnist.cache_clear()
    _assert_same(standin.stand_in_fashion_mnist(cache_dir=str(cache)), generated)
    standin.stand_in_fashion_mnist.cache_clear()


# -- sources, in order --------------------------------------------------------------------
def test_keras_cache_comes_first(tmp_path):
    cache = _tiny_set(1)
    _write_set(tmp_path / "keras-home" / "datasets" / "fashion-mnist", cache)
    _write_set(tmp_path / "course", _tiny_set(2))
    data, load = datasets.FashionMnistSources(data_dir=str(tmp_path / "course")).load(None)
    _assert_same(data, cache)
    assert load.source == "keras-cache"


def test_course_folder_when_no_cache(tmp_path, capsys):
    course = _tiny_set(3)
    _write_set(tmp_path / "course" / "fashion-mnist", course)
    _assert_same(datasets.load_fashion_mnist(data_dir=str(tmp_path / "course")), course)
    assert capsys.readouterr().out == ""


def test_per_call_data_dir_beats_the_installed_settings(tmp_path):
    _write_set(tmp_path / "installed", _tiny_set(4))
    mine = _tiny_set(5)
    _write_set(tmp_path / "mine", mine)
    fallback = datasets.install_offline_fallback(data_dir=str(tmp_path / "installed"))
    _assert_same(datasets.load_fashion_mnist(data_dir=str(tmp_path / "mine")), mine)
    _assert_same(datasets.load_fashion_mnist(), _tiny_set(4))   # the settings given at install time
    assert [load.source for load in fallback.log.since(0)] == ["course", "course"]


def test_course_folder_lacking_a_file_names_it(tmp_path, capsys):
    folder = tmp_path / "course"
    _write_set(folder, _tiny_set(6), skip=("t10k-labels-idx1-ubyte.gz",))
    data, load = datasets.FashionMnistSources(data_dir=str(folder), offline=True).load(None)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert f"{folder} lacks t10k-labels-idx1-ubyte.gz" in out[0] and "download" not in out[0]
    assert load.source == "stand-in" and "lacks t10k-labels-idx1-ubyte.gz" in load.reason
    _, notes = datasets.report_data(_observed(load))
    assert "lacks t10k-labels-idx1-ubyte.gz" in notes[0].message


def test_missing_course_folder_is_named(tmp_path, capsys):
    with pytest.raises(datasets.CourseFolderError, match=r"nowhere \(TFGRADE_DATA / data_dir\) does not exist"):
        datasets.sources.course_files(tmp_path / "nowhere")
    datasets.FashionMnistSources(data_dir=str(tmp_path / "nowhere"), offline=True).load(None)
    assert "nowhere (TFGRADE_DATA / data_dir) does not exist" in capsys.readouterr().out


def test_stand_in_when_download_fails_with_one_line_on_stdout(capsys):
    loaded = datasets.load_fashion_mnist()
    _assert_same(loaded, datasets.stand_in_fashion_mnist())
    captured = capsys.readouterr()
    assert captured.err == ""   # nbgrader grade cells lose all points on any stderr
    assert "stand-in" in captured.out and "network disabled in tests" in captured.out
    assert len(captured.out.strip().splitlines()) == 1


def test_offline_skips_the_download(monkeypatch):
    monkeypatch.setattr(keras_hook, "_keras_download", lambda: pytest.fail("downloaded while offline"))
    _, load = datasets.FashionMnistSources(offline=True).load(keras_hook._keras_download)
    assert load.source == "stand-in" and "offline" in load.reason
    datasets.load_fashion_mnist(offline=True, quiet=True)


def test_download_serves_when_it_works():
    tiny = _tiny_set(9)
    data, load = datasets.FashionMnistSources().load(lambda: tiny)
    _assert_same(data, tiny)
    assert (load.source, load.train, load.test) == ("download", 12, 5)


# -- the record of loads, read by the datasets probe ---------------------------------------
def _observed(*loads):
    log = datasets.LoadLog()
    for load in loads:
        log.record(load)
    from tfgrade.probes.datasets import DatasetsObservation

    return DatasetsObservation(served=log.latest(), during=tuple(loads))


def test_report_data_words_the_stand_in_once_and_keeps_the_latest_source():
    stand_in = datasets.DataLoad("fashion_mnist", "stand-in", 60_000, 10_000, "offline mode is on")
    course = datasets.DataLoad("fashion_mnist", "course", 12, 5)
    data, notes = datasets.report_data(_observed(course), _observed(stand_in))
    assert data == {"fashion_mnist": {"source": "stand-in", "train": 60_000, "test": 10_000}}
    assert [(n.kind, n.severity) for n in notes] == [("data", "info")]
    assert "stand-in" in notes[0].message and "60,000" in notes[0].message
    assert datasets.report_data(_observed(stand_in), _observed(course)) == (
        {"fashion_mnist": {"source": "course", "train": 12, "test": 5}}, [])
    assert datasets.report_data(None, Observations().datasets) == ({}, [])


def test_load_log_keeps_the_newest_and_counts_all():
    log = datasets.LoadLog(limit=3)
    loads = [datasets.DataLoad("fashion_mnist", "course", i, 1) for i in range(5)]
    for load in loads:
        log.record(load)
    assert log.count == 5 and log.since(3) == loads[3:] and log.since(5) == []
    assert log.latest() == {"fashion_mnist": loads[-1]}


def test_probe_reports_a_load_made_in_an_earlier_cell(tmp_path):
    """Learners load the data in an ordinary cell; the graded cell's report must still say so."""
    course = _tiny_set(10)
    _write_set(tmp_path / "course", course)
    datasets.install_offline_fallback(data_dir=str(tmp_path / "course"))
    datasets.load_fashion_mnist()                 # the ordinary cell before the graded one
    with ProbeSession(["datasets"], ProbeContext(namespace={})) as session:
        pass                                       # the graded cell loads nothing
    observed = session.observations().datasets
    assert observed.during == ()
    assert {name: load.source for name, load in observed.served.items()} == {"fashion_mnist": "course"}
    with ProbeSession(["datasets"], ProbeContext(namespace={})) as session:
        datasets.load_fashion_mnist(data_dir=str(tmp_path / "none"), offline=True, quiet=True)
    observed = session.observations().datasets
    assert [load.source for load in observed.during] == ["stand-in"] and observed.stand_in


def test_probe_without_the_fallback_observes_nothing():
    with ProbeSession(["datasets"], ProbeContext(namespace={})) as session:
        datasets.load_fashion_mnist(offline=True, quiet=True)
    assert session.observations().datasets.served == {}


# -- the fallback inside keras.datasets ---------------------------------------------------
@pytest.fixture
def keras_without_network(monkeypatch):
    import keras
    import keras.src.datasets.fashion_mnist as source

    def refuse(*args, **kwargs):
        raise Exception("URL fetch failure (tests have no network)")

    monkeypatch.setattr(source, "get_file", refuse)
    yield keras


def test_fallback_serves_keras_and_tf_keras_spellings_and_uninstalls_exactly(keras_without_network, capsys):
    keras = keras_without_network
    import keras.src.datasets.fashion_mnist as source
    import tensorflow as tf

    original = source.load_data
    with pytest.raises(Exception, match="no network"):
        keras.datasets.fashion_mnist.load_data()
    fallback = datasets.install_offline_fallback()
    assert datasets.install_offline_fallback() is fallback   # idempotent
    assert sum(isinstance(f, datasets.OfflineFallback) for f in sys.meta_path) == 1
    _assert_same(keras.datasets.fashion_mnist.load_data(), datasets.stand_in_fashion_mnist())
    _assert_same(tf.keras.datasets.fashion_mnist.load_data(), datasets.stand_in_fashion_mnist())
    assert [load.source for load in fallback.log.since(0)] == ["stand-in", "stand-in"]
    assert "stand-in" in capsys.readouterr().out
    datasets.uninstall_offline_fallback()
    assert source.load_data is original and keras.datasets.fashion_mnist.load_data is original
    assert tf.keras.datasets.fashion_mnist.load_data is original
    assert datasets.installed_fallback() is None
    datasets.uninstall_offline_fallback()   # idempotent


def test_fallback_takes_the_course_folder_given_at_install(keras_without_network, tmp_path):
    course = _tiny_set(5)
    _write_set(tmp_path / "course", course)
    datasets.install_offline_fallback(data_dir=str(tmp_path / "course"))
    _assert_same(keras_without_network.datasets.fashion_mnist.load_data(), course)


def test_fallback_works_when_keras_is_imported_later(tmp_path):
    """In a fresh interpreter: install first (cheaply, without TF), import Keras afterwards."""
    script = textwrap.dedent("""
        import sys, time
        import tfgrade.datasets as datasets
        began = time.perf_counter()
        fallback = datasets.install_offline_fallback(offline=True)
        assert "tensorflow" not in sys.modules and "keras" not in sys.modules and "numpy" not in sys.modules
        import keras
        (x, y), (xt, yt) = keras.datasets.fashion_mnist.load_data()
        assert x.shape == (60000, 28, 28) and x.dtype.name == "uint8"
        print("SOURCE", fallback.log.latest()["fashion_mnist"].source)
    """)
    env = {**os.environ, "KERAS_HOME": str(tmp_path / "empty"),
           "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "SOURCE stand-in" in done.stdout
