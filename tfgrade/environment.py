"""Facts about the TensorFlow installation the work ran on (versions, build, devices).

:func:`environment_info` is every Report's ``environment``. Keys:

``python``, ``platform``, ``tensorflow``, ``keras``, ``keras_flavour``; ``cuda_build`` (TF was
built with CUDA), ``cuda_version`` / ``cudnn_version`` (of the build, when CUDA), ``gpus``
(visible physical GPUs, e.g. ``/physical_device:GPU:0``), ``gpu_details`` (per GPU: its
``device`` and, where TensorFlow knows them, ``name`` and ``compute_capability``),
``cpu_only_reason`` (``None`` when a GPU is visible, else ``"cpu-only-build"`` or
``"no-gpu-visible"``), ``device_summary`` (one plain sentence), ``functions_run_eagerly``;
and, when the caller passes the cell's :class:`~tfgrade.probes.devices.DeviceObservation`,
``placement`` (where the cell's variables, tensors and traced steps were placed, and the
peak GPU memory it used).
"""

from __future__ import annotations

import functools
import platform
import sys
from typing import Any

__all__ = ["keras_flavour", "environment_info", "device_facts"]


def keras_flavour() -> str:
    """``keras3`` normally; ``tf_keras`` when TF_USE_LEGACY_KERAS switched tf.keras to Keras 2."""
    import tensorflow as tf

    module = type(tf.keras.layers.Layer).__module__ + "." + tf.keras.layers.Layer.__module__
    return "tf_keras" if "tf_keras" in module else "keras3"


@functools.lru_cache(maxsize=1)
def _device_query() -> tuple[dict[str, Any], tuple[dict[str, Any], ...]]:
    # Asked once (visible devices are fixed once TensorFlow has initialised them), with fd 2
    # held: the first listing makes TensorFlow write "failed call to cuInit" on CPU machines.
    from .startup import quietly

    return quietly(lambda: (_build_info(), _gpu_details()))


def _build_info() -> dict[str, Any]:
    import tensorflow as tf

    try:
        return dict(tf.sysconfig.get_build_info())
    except Exception:
        return {}


def _gpu_details() -> tuple[dict[str, Any], ...]:
    import tensorflow as tf

    out = []
    for device in tf.config.list_physical_devices("GPU"):
        entry: dict[str, Any] = {"device": device.name}
        try:
            details = tf.config.experimental.get_device_details(device)
        except Exception:
            details = {}
        if details.get("device_name"):
            entry["name"] = str(details["device_name"])
        capability = details.get("compute_capability")
        if capability:
            entry["compute_capability"] = ".".join(str(p) for p in capability)
        out.append(entry)
    return tuple(out)


def device_facts() -> dict[str, Any]:
    """The device part of the environment (cheap after the first call)."""
    build, details = _device_query()
    cuda = bool(build.get("is_cuda_build", False))
    gpus = [dict(g) for g in details]
    if gpus:
        reason = None
        names = ", ".join(f"{g.get('name', 'a GPU')} ({g['device'].split('device:')[-1]})" for g in gpus)
        summary = f"TensorFlow can use {len(gpus)} GPU{'s' if len(gpus) > 1 else ''}: {names}."
    elif not cuda and not build.get("is_rocm_build", False):
        reason = "cpu-only-build"
        summary = "All work ran on the CPU: this TensorFlow was built without GPU (CUDA) support."
    else:
        reason = "no-gpu-visible"
        summary = ("All work ran on the CPU: this TensorFlow supports GPUs, but none is visible here "
                   "(no GPU, or no working GPU driver).")
    facts: dict[str, Any] = {
        "cuda_build": cuda,
        "gpus": [g["device"] for g in gpus],
        "gpu_details": gpus,
        "cpu_only_reason": reason,
        "device_summary": summary,
    }
    if cuda:
        facts["cuda_version"] = build.get("cuda_version")
        facts["cudnn_version"] = build.get("cudnn_version")
    return facts


def environment_info(devices: Any = None) -> dict[str, Any]:
    """The Report's ``environment``; ``devices`` (optional) is the cell's DeviceObservation."""
    import keras
    import tensorflow as tf

    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": sys.platform,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "keras_flavour": keras_flavour(),
        "functions_run_eagerly": bool(tf.config.functions_run_eagerly()),
    }
    info.update(device_facts())
    if devices is not None and hasattr(devices, "to_dict"):
        info["placement"] = devices.to_dict()
    return info
