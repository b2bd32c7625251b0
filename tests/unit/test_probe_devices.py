"""Devices probe and environment: CPU-only facts here; GPU logic with faked device facts."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import tensorflow as tf

import tfgrade.environment as environment  # noqa: E402
from tfgrade.config import Settings  # noqa: E402
from tfgrade.engine import run_and_grade  # noqa: E402
from tfgrade.probes import ProbeContext, ProbeSession  # noqa: E402
from tfgrade.probes.devices import (  # noqa: E402
    DeviceObservation, Placement, require_gpu_if_available, short_device,
)
from tfgrade.spec import load_exercise  # noqa: E402

NO_GPU = not tf.config.list_physical_devices("GPU")
cpu_only = pytest.mark.skipif(not NO_GPU, reason="these tests describe a machine without a visible GPU")

TRAINING_CELL = textwrap.dedent("""\
    import tensorflow as tf
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    optimizer = keras.optimizers.SGD(0.1)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(x) - y) ** 2)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    loss = train_step(tf.ones([8, 4]), tf.zeros([8, 2]))
    prediction = model(tf.ones([1, 4]))
""")


def run_cell_under_probes(source: str, probes=("tracing", "devices")):
    namespace: dict = {}
    with ProbeSession(list(probes), ProbeContext(namespace=namespace, source="cell", cell_source=source)) as s:
        exec(compile(source, "<tfcheck-cell-dev-1>", "exec"), namespace)
    return s.observations(), namespace


def test_short_device_names():
    assert short_device("/job:localhost/replica:0/task:0/device:GPU:0") == "GPU:0"
    assert short_device("/job:localhost/replica:0/task:0/device:CPU:0") == "CPU:0"
    assert short_device("") == ""


@cpu_only
def test_cpu_only_observation_says_where_and_why_without_diagnostics():
    observations, _ = run_cell_under_probes(TRAINING_CELL)
    devices = observations.devices
    assert isinstance(devices, DeviceObservation)
    assert devices.gpus == ()
    expected = "no-gpu-visible" if tf.sysconfig.get_build_info().get("is_cuda_build") else "cpu-only-build"
    assert devices.cpu_only_reason == expected
    assert devices.summary.startswith("All work ran on the CPU")
    assert devices.device_of("model") == ("CPU:0",)
    assert devices.device_of("optimizer") == ("CPU:0",)
    assert devices.device_of("prediction") == ("CPU:0",)          # a tensor the cell produced
    assert devices.device_of("train_step") == ("CPU:0",)          # the traced step's results
    kinds = {p.name: p.what for p in devices.placements}
    assert kinds["model"] == "variables" and kinds["prediction"] == "tensor"
    assert kinds["train_step"] == "function-output"
    assert devices.peak_gpu_memory is None and devices.cpu_fallbacks == ()
    assert not devices.ran_on_gpu
    assert [d for d in observations.diagnostics if d.kind.startswith("device")] == []
    require_gpu_if_available(observations)      # no GPU: nothing to require


@cpu_only
def test_report_environment_carries_versions_and_device_facts(tmp_path: Path):
    folder = tmp_path / "ex-dev"
    folder.mkdir()
    (folder / "exercise.toml").write_text('id = "ex-dev"\nshort_id = "dev"\ntitle = "Devices"\norder = 1\n'
                                          'summary = "devices"\n', encoding="utf-8")
    (folder / "solution.py").write_text("x = 1\n", encoding="utf-8")
    (folder / "checks.py").write_text(
        "from tfgrade.probes.devices import require_gpu_if_available\n\n"
        "def check_gpu(observations):\n    '''Runs on the GPU when there is one'''\n"
        "    require_gpu_if_available(observations)\n    assert observations.devices.device_of('model')\n",
        encoding="utf-8")
    report = run_and_grade(load_exercise(folder), TRAINING_CELL, {},
                           settings=Settings(probes=("tracing", "devices")), echo_output=False).to_dict()
    env = report["environment"]
    import keras

    assert env["tensorflow"] == tf.__version__ and env["keras"] == keras.__version__
    assert env["cuda_build"] == bool(tf.sysconfig.get_build_info().get("is_cuda_build"))
    assert env["gpus"] == [] and env["gpu_details"] == []
    assert env["cpu_only_reason"] in {"no-gpu-visible", "cpu-only-build"}
    assert "CPU" in env["device_summary"]
    assert report["checks"][0]["status"] == "pass"
    assert not [d for d in report["diagnostics"] if d["severity"] == "warning"]


def test_environment_info_includes_placement_when_given():
    obs = DeviceObservation(placements=(Placement("variables", "model", ("CPU:0",), 2),))
    info = environment.environment_info(obs)
    assert info["placement"]["placements"][0]["name"] == "model"
    assert info["placement"]["devices_used"] == ["CPU:0"]
    assert "placement" not in environment.environment_info()


@pytest.fixture
def fake_gpu(monkeypatch):
    facts = {"cuda_build": True, "gpus": ["/physical_device:GPU:0"],
             "gpu_details": [{"device": "/physical_device:GPU:0", "name": "Test GPU 9000"}],
             "cpu_only_reason": None, "device_summary": "TensorFlow can use 1 GPU: Test GPU 9000 (GPU:0)."}
    monkeypatch.setattr(environment, "device_facts", lambda: dict(facts))
    return facts


def test_work_on_cpu_with_a_gpu_visible_is_flagged(fake_gpu):
    observations, _ = run_cell_under_probes(TRAINING_CELL, probes=("devices",))
    devices = observations.devices
    assert devices.gpus == ("GPU:0",) and devices.gpu_names == ("Test GPU 9000",)
    assert set(devices.cpu_fallbacks) == {"model", "optimizer", "train_step"}
    kinds = [d.kind for d in observations.diagnostics]
    assert kinds.count("device") == 1 and kinds.count("device-fallback") == 3
    fallback = next(d for d in observations.diagnostics if d.kind == "device-fallback")
    assert fallback.severity == "warning" and "Test GPU 9000" in fallback.message
    with pytest.raises(AssertionError, match="stayed on the CPU"):
        require_gpu_if_available(observations)


def test_require_gpu_passes_when_the_work_ran_on_the_gpu():
    on_gpu = DeviceObservation(gpus=("GPU:0",), gpu_names=("Test GPU",),
                               placements=(Placement("variables", "model", ("GPU:0",), 2),))
    require_gpu_if_available(on_gpu)
    nothing = DeviceObservation(gpus=("GPU:0",), gpu_names=("Test GPU",))
    with pytest.raises(AssertionError, match="none of your cell's variables"):
        require_gpu_if_available(nothing)


def test_devices_probe_is_quiet_while_checks_run():
    namespace: dict = {"t": tf.constant(1.0)}
    with ProbeSession(["devices"], ProbeContext(namespace=namespace, source="checks")) as session:
        pass
    obs = session.observations()
    assert obs.devices.placements == () and obs.diagnostics == ()
