"""Facts about the TensorFlow installation the work ran on (versions, build, devices)."""

from __future__ import annotations

import platform
import sys
from typing import Any

__all__ = ["keras_flavour", "environment_info"]


def keras_flavour() -> str:
    """``keras3`` normally; ``tf_keras`` when TF_USE_LEGACY_KERAS switched tf.keras to Keras 2."""
    import tensorflow as tf

    module = type(tf.keras.layers.Layer).__module__ + "." + tf.keras.layers.Layer.__module__
    return "tf_keras" if "tf_keras" in module else "keras3"


def environment_info() -> dict[str, Any]:
    import keras
    import tensorflow as tf

    build = dict(tf.sysconfig.get_build_info())
    gpus = [d.name for d in tf.config.list_physical_devices("GPU")]
    return {
        "python": platform.python_version(),
        "platform": sys.platform,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "keras_flavour": keras_flavour(),
        "cuda_build": bool(build.get("is_cuda_build", False)),
        "gpus": gpus,
        "functions_run_eagerly": bool(tf.config.functions_run_eagerly()),
    }
