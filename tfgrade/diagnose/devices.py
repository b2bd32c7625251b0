"""Where the work ran, in words: the device findings and the GPU requirement's failure message.

Reads a ``DeviceObservation`` (``gpus``, ``gpu_names``, ``placements``, ``cpu_fallbacks``,
``peak_gpu_memory``, ``ran_on_gpu``, ``devices_used``) by its attributes; CPU-only machines
get no finding (the environment says so plainly).
"""

from __future__ import annotations

from typing import Any, Sequence

from ..report import Diagnostic

__all__ = ["device_diagnostics", "gpu_requirement_failure", "start_up_diagnostic", "megabytes"]


def megabytes(count: int | None) -> str:
    if count is None:
        return "?"
    if count >= 1 << 30:
        return f"{count / (1 << 30):.1f} GiB"
    return f"{count / (1 << 20):.0f} MiB"


def _gpu_name(devices: Any) -> str:
    return devices.gpu_names[0] if devices.gpu_names and devices.gpu_names[0] else devices.gpus[0]


def start_up_diagnostic(lines: Sequence[str]) -> Diagnostic | None:
    """Real lines TensorFlow wrote to fd 2 while tfgrade held it (start-up noise already dropped)."""
    if not lines:
        return None
    return Diagnostic(kind="tensorflow-warning", severity="info",
                      message=f"TensorFlow reported while starting up: {lines[0].strip()}",
                      details={"text": "\n".join(lines)})


def device_diagnostics(devices: Any) -> list[Diagnostic]:
    """Which GPU the cell used (and how much of its memory), and work left on the CPU beside it."""
    if not devices.gpus:
        return []
    gpu = _gpu_name(devices)
    memory = f" and used at most {megabytes(devices.peak_gpu_memory)} of its memory" \
        if devices.peak_gpu_memory is not None else ""
    if devices.ran_on_gpu:
        message = f"Your cell ran on the GPU ({gpu}){memory}."
    else:
        message = f"A GPU ({gpu}) is available, but none of your cell's variables or results are on it."
    out = [Diagnostic(kind="device", severity="info", message=message,
                      details={"gpu": gpu, "peak_gpu_memory": devices.peak_gpu_memory,
                               "devices_used": list(devices.devices_used)})]
    for name in devices.cpu_fallbacks:
        placement = next(p for p in devices.placements if p.name == name)
        what = "the results of" if placement.what == "function-output" else "the variables of"
        out.append(Diagnostic(
            kind="device-fallback", severity="warning",
            message=f"{what.capitalize()} `{name}` are on the CPU although a GPU ({gpu}) is visible.",
            fix="Remove any with tf.device('/CPU:0') around this work and let TensorFlow place it; "
                "tf.py_function and some integer or string ops also keep work on the CPU.",
            function=name if placement.what == "function-output" else None,
            details={"devices": list(placement.devices), "what": placement.what},
        ))
    return out


def gpu_requirement_failure(devices: Any) -> str | None:
    """The learner-facing failure when a GPU is visible but the work did not use it, else None."""
    if not devices.gpus:
        return None
    gpu = _gpu_name(devices)
    if devices.cpu_fallbacks:
        names = ", ".join(f"`{n}`" for n in devices.cpu_fallbacks)
        return (f"A GPU ({gpu}) is available, but {names} stayed on the CPU: this exercise asks "
                "for the work to run on the GPU.")
    if not devices.ran_on_gpu:
        return (f"A GPU ({gpu}) is available, but none of your cell's variables or results are on "
                "it: this exercise asks for the work to run on the GPU.")
    return None
