"""Devices probe: where the learner's work actually ran.

While the cell runs, the probe records the device of each result returned by the
learner's ``tf.function``\\ s and of Keras' own training step (through the shared call hook
of :mod:`tfgrade.probes._call_hook`); when the cell ends it reads the devices of the variables
of the models, layers, modules, optimizers and variables in the namespace, and of the
tensors the cell bound (Keras 3 variables have no ``.device``: ``v.value.device`` is read).
With a GPU visible it also measures the peak GPU memory the cell used
(``reset_memory_stats`` before, ``get_memory_info`` after) and flags variables or traced
steps that stayed on the CPU. ``tf.debugging.set_log_device_placement`` is not used: it
only works before the first operation, so it is useless in a running kernel.

On a CPU-only machine the observation says so and why (``cpu_only_reason``), and the
probe adds no diagnostic. Reading it in a check (``observations.devices``)::

    devices = observations.devices                  # a DeviceObservation
    devices.cpu_only_reason                         # None, "no-gpu-visible", "cpu-only-build"
    devices.device_of("model")                      # ("CPU:0",) or ("GPU:0",)
    devices.ran_on_gpu, devices.cpu_fallbacks, devices.peak_gpu_memory

and :func:`require_gpu_if_available` fails a check, in the learner's terms, when a GPU is
visible but the work did not use it. Their words come from :mod:`tfgrade.diagnose.devices`.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

from ..diagnose.devices import device_diagnostics, gpu_requirement_failure, start_up_diagnostic
from ..patching import Patches
from ..report import Diagnostic
from . import _call_hook
from ._fingerprint import code_of, is_learner_filename

__all__ = ["Placement", "DeviceObservation", "DevicesProbe", "require_gpu_if_available", "short_device"]

_MAX_OBJECTS = 64           # namespace objects inspected
_MAX_OUTPUT_CALLS = 8       # calls per function whose results are inspected


def short_device(name: str) -> str:
    """``/job:localhost/replica:0/task:0/device:GPU:0`` -> ``GPU:0``."""
    if not name:
        return ""
    tail = name.rsplit("device:", 1)[-1]
    return tail.upper() if tail.lower().startswith(("cpu", "gpu")) else tail


@dataclass(frozen=True)
class Placement:
    what: str                   # "variables", "optimizer", "tensor", "function-output"
    name: str                   # the learner's name for it
    devices: tuple[str, ...]    # short device names, sorted
    count: int = 1              # variables or tensors counted


@dataclass(frozen=True)
class DeviceObservation:
    gpus: tuple[str, ...] = ()                # visible GPUs ("GPU:0", ...)
    gpu_names: tuple[str, ...] = ()           # their product names, where known
    cuda_build: bool = False
    cpu_only_reason: str | None = None        # None when a GPU is visible
    summary: str = ""
    placements: tuple[Placement, ...] = ()
    peak_gpu_memory: int | None = None        # bytes, GPU:0, while the cell ran
    cpu_fallbacks: tuple[str, ...] = ()       # placements on the CPU although a GPU is visible

    @property
    def devices_used(self) -> tuple[str, ...]:
        return tuple(sorted({d for p in self.placements for d in p.devices}))

    @property
    def ran_on_gpu(self) -> bool:
        return any(d.startswith("GPU") for d in self.devices_used)

    def device_of(self, name: str) -> tuple[str, ...]:
        return tuple(sorted({d for p in self.placements if p.name == name for d in p.devices}))

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["devices_used"] = list(self.devices_used)
        return out


def _device_of_variable(variable: Any) -> str:
    device = getattr(variable, "device", None)
    if isinstance(device, str) and device:
        return device
    value = getattr(variable, "value", None)      # Keras 3 variables hold the tf.Variable here
    if value is not None and not callable(value):
        device = getattr(value, "device", None)
        if isinstance(device, str):
            return device
    return ""


def _variables_of(obj: Any) -> list[Any] | None:
    """The variables of a Keras layer/model/optimizer or tf.Module, None for other objects."""
    try:
        import keras
        import tensorflow as tf
    except Exception:
        return None
    try:
        if isinstance(obj, (keras.layers.Layer, keras.optimizers.Optimizer)):
            return list(obj.variables)
        if isinstance(obj, tf.Module):
            return list(obj.variables)
    except Exception:
        return None
    return None


def _is_variable(obj: Any) -> bool:
    try:
        import keras
        import tensorflow as tf

        return isinstance(obj, (tf.Variable, keras.Variable))
    except Exception:
        return False


def _is_eager_tensor(obj: Any) -> bool:
    try:
        import tensorflow as tf

        return isinstance(obj, tf.Tensor) and hasattr(obj, "numpy") and bool(getattr(obj, "device", ""))
    except Exception:
        return False


def _learner_name(fn: Any) -> str | None:
    code = code_of(fn)
    if code is None:
        return None
    if is_learner_filename(code.co_filename):
        return code.co_name
    module = code.co_filename.replace("\\", "/")
    if "/keras/" in module and "trainer" in module:
        return "Keras training step"
    return None


class DevicesProbe:
    name = "devices"

    def __init__(self, context: Any) -> None:
        self._context = context
        self._phase = getattr(context, "source", "cell")
        self._namespace = context.namespace
        self._before: dict[str, int] = {}
        self._outputs: dict[str, set[str]] = {}
        self._output_calls: dict[str, int] = {}
        self._lock = threading.Lock()
        self._patches = Patches()
        self._facts: dict[str, Any] = {}
        self._peak: int | None = None
        self._placements: tuple[Placement, ...] = ()
        self._tensorflow_said: list[str] = []

    def __enter__(self) -> "DevicesProbe":
        from ..environment import device_facts

        self._facts = device_facts()
        if self._phase != "cell":
            return self
        from ..startup import take_messages

        self._tensorflow_said = take_messages()   # real lines TF wrote while tfgrade held fd 2
        self._before = {k: id(v) for k, v in list(self._namespace.items())}
        if self._facts["gpus"]:
            try:
                import tensorflow as tf

                tf.config.experimental.reset_memory_stats("GPU:0")
                self._peak = 0
            except Exception:
                self._peak = None
        if _call_hook.add_listener(self._on_call):
            self._patches.callback(_call_hook.remove_listener, self._on_call)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._phase != "cell":
            return
        try:
            self._patches.restore()
        finally:
            if self._peak is not None:
                try:
                    import tensorflow as tf

                    self._peak = int(tf.config.experimental.get_memory_info("GPU:0")["peak"])
                except Exception:
                    self._peak = None
            try:
                self._placements = self._scan()
            except Exception:
                self._placements = ()

    def _on_call(self, fn: Any, args: tuple, kwargs: dict, before: Any, after: Any, result: Any,
                 error: BaseException | None) -> None:
        if error is not None or result is None:
            return
        name = _learner_name(fn)
        if name is None:
            return
        with self._lock:
            seen = self._output_calls.get(name, 0)
            if seen >= _MAX_OUTPUT_CALLS:
                return
            self._output_calls[name] = seen + 1
        import tensorflow as tf

        leaves = tf.nest.flatten(result, expand_composites=True)[:8]
        # Variant and resource handles (e.g. the Optional Keras' multi-step returns) live in host
        # memory wherever the work ran: only real values say where the step computed.
        found = {short_device(t.device) for t in leaves
                 if _is_eager_tensor(t) and t.dtype not in (tf.variant, tf.resource)}
        if found:
            with self._lock:
                self._outputs.setdefault(name, set()).update(found)

    def _scan(self) -> tuple[Placement, ...]:
        placements: list[Placement] = []
        inspected = 0
        for name, value in list(self._namespace.items()):
            if name.startswith("_") or inspected >= _MAX_OBJECTS:
                continue
            if _is_variable(value):
                inspected += 1
                device = short_device(_device_of_variable(value))
                if device:
                    placements.append(Placement("variables", name, (device,), 1))
                continue
            variables = _variables_of(value)
            if variables is not None:
                inspected += 1
                devices = sorted({short_device(_device_of_variable(v)) for v in variables} - {""})
                if devices:
                    import keras

                    what = "optimizer" if isinstance(value, keras.optimizers.Optimizer) else "variables"
                    placements.append(Placement(what, name, tuple(devices), len(variables)))
                optimizer = getattr(value, "optimizer", None)
                opt_vars = _variables_of(optimizer) if optimizer is not None else None
                if opt_vars:
                    devices = sorted({short_device(_device_of_variable(v)) for v in opt_vars} - {""})
                    if devices:
                        placements.append(Placement("optimizer", f"{name}.optimizer", tuple(devices), len(opt_vars)))
                continue
            if self._before.get(name) != id(value) and _is_eager_tensor(value):
                inspected += 1
                placements.append(Placement("tensor", name, (short_device(value.device),), 1))
        for name in sorted(self._outputs):
            placements.append(Placement("function-output", name, tuple(sorted(self._outputs[name])), 1))
        return tuple(placements)

    def observation(self) -> DeviceObservation:
        facts = self._facts
        gpus = tuple(short_device(g) for g in facts.get("gpus", ()))
        fallbacks: tuple[str, ...] = ()
        if gpus:
            fallbacks = tuple(p.name for p in self._placements
                              if p.what != "tensor" and p.devices and not any(d.startswith("GPU") for d in p.devices))
        return DeviceObservation(
            gpus=gpus,
            gpu_names=tuple(g.get("name", "") for g in facts.get("gpu_details", ())),
            cuda_build=bool(facts.get("cuda_build", False)),
            cpu_only_reason=facts.get("cpu_only_reason"),
            summary=facts.get("device_summary", ""),
            placements=self._placements,
            peak_gpu_memory=self._peak,
            cpu_fallbacks=fallbacks,
        )

    def diagnostics(self) -> list[Diagnostic]:
        if self._phase != "cell":
            return []
        said = start_up_diagnostic(self._tensorflow_said)
        return ([said] if said is not None else []) + device_diagnostics(self.observation())


def require_gpu_if_available(observations: Any) -> None:
    """For a check: fail when a GPU is visible but the cell's work did not run on it.

    ``observations`` is the ``observations`` fixture (or its ``.devices``). Does nothing on
    a machine without a visible GPU, so the same check passes on CPU-only graders.
    """
    devices = getattr(observations, "devices", observations)
    if not isinstance(devices, DeviceObservation):
        return
    failure = gpu_requirement_failure(devices)
    if failure is not None:
        raise AssertionError(failure)
