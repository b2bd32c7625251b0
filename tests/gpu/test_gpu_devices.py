"""Device facts on a real GPU (run on a GPU machine: ``pytest -m gpu tests/gpu``)."""

from __future__ import annotations

import textwrap

import pytest

pytestmark = pytest.mark.gpu

import tensorflow as tf  # noqa: E402 - a required dependency: a broken install fails loudly

GPUS = tf.config.list_physical_devices("GPU")
if not GPUS:
    pytest.skip("no GPU is visible to TensorFlow on this machine (tf.config.list_physical_devices('GPU') "
                "is empty); these tests need one", allow_module_level=True)

from tfgrade.environment import environment_info  # noqa: E402
from tfgrade.probes import ProbeContext, ProbeSession  # noqa: E402
from tfgrade.probes.devices import require_gpu_if_available  # noqa: E402

CELL = textwrap.dedent("""\
    import tensorflow as tf
    import keras

    model = keras.Sequential([keras.Input((256,)), keras.layers.Dense(512), keras.layers.Dense(10)])
    optimizer = keras.optimizers.Adam()

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(x) - y) ** 2)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    for _ in range(3):
        loss = train_step(tf.random.normal([1024, 256]), tf.zeros([1024, 10]))
    big = tf.random.normal([2048, 2048])
""")


def run(source: str):
    namespace: dict = {}
    with ProbeSession(["tracing", "devices"], ProbeContext(namespace=namespace, cell_source=source)) as s:
        exec(compile(source, "<tfcheck-cell-gpu-1>", "exec"), namespace)
    return s.observations()


def test_environment_names_the_gpu():
    env = environment_info()
    assert env["cuda_build"] is True
    assert env["gpus"] and env["cpu_only_reason"] is None
    assert env["gpu_details"][0].get("name")
    assert "GPU" in env["device_summary"]


def test_work_is_placed_on_the_gpu_and_memory_is_measured():
    obs = run(CELL)
    devices = obs.devices
    assert devices.ran_on_gpu
    assert devices.device_of("model") == ("GPU:0",)
    assert devices.device_of("train_step") == ("GPU:0",)
    assert devices.device_of("big") == ("GPU:0",)
    assert devices.cpu_fallbacks == ()
    assert devices.peak_gpu_memory is not None and devices.peak_gpu_memory >= 2048 * 2048 * 4
    (info,) = [d for d in obs.diagnostics if d.kind == "device"]
    assert info.severity == "info" and devices.gpu_names[0] in info.message
    assert not [d for d in obs.diagnostics if d.kind == "device-fallback"]
    require_gpu_if_available(obs)


def test_work_pinned_to_the_cpu_is_flagged():
    obs = run(CELL.replace("model = keras", "with tf.device('/CPU:0'):\n    model = keras", 1))
    devices = obs.devices
    assert "model" in devices.cpu_fallbacks
    assert [d for d in obs.diagnostics if d.kind == "device-fallback" and "`model`" in d.message]
    with pytest.raises(AssertionError, match="stayed on the CPU"):
        require_gpu_if_available(obs)
