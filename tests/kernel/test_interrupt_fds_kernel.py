"""Stop pressed at the worst moment of a %%tfcheck (while tfgrade swaps fds 1/2) leaves the kernel's
fds as they were: later C-level output (os.write, tf.print) still reaches the notebook."""

from __future__ import annotations

import os
import time

import pytest

from tfgrade.catalog import get_exercise

pytestmark = [pytest.mark.kernel, pytest.mark.slow]

Q03 = get_exercise("q03")
FDS = "import os\nprint(os.readlink('/proc/self/fd/1'), os.readlink('/proc/self/fd/2'))"


class Kernel:
    def __init__(self, cwd) -> None:
        from jupyter_client import KernelManager

        # No PYTEST_CURRENT_TEST: ipykernel then forwards fds 1/2 to the cells, as under Jupyter.
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
        env.update(TF_CPP_MIN_LOG_LEVEL="3", TF_ENABLE_ONEDNN_OPTS="0")
        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(env=env, cwd=str(cwd))
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def run(self, code: str, interrupt_after: float | None = None, interrupt_when=None, timeout: float = 120) -> str:
        """Run ``code``, pressing Stop ``interrupt_after`` seconds in or once ``interrupt_when()``; its stdout."""
        msg_id = self.client.execute(code)
        began = time.monotonic()
        out, interrupted = [], False
        while time.monotonic() - began < timeout:
            due = (interrupt_after is not None and time.monotonic() - began >= interrupt_after) or \
                (interrupt_when is not None and interrupt_when())
            if due and not interrupted:
                self.manager.interrupt_kernel()
                interrupted = True
            try:
                msg = self.client.get_iopub_msg(timeout=0.02)
            except Exception:
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
                out.append(msg["content"]["text"])
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return "".join(out)
        raise AssertionError(f"cell did not finish in {timeout} s")

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


SLOW_SWAPS = """\
import pathlib, time
import tfgrade.probes._capture as capture

_real_start, _real_flush = capture.FdCapture._start, capture.flush_c_stdio

def _slow_start(self):
    started = _real_start(self)          # fd now on tfgrade's pipe: the window Stop must not break
    if self.fd == 1:
        pathlib.Path({start!r}).touch()
        time.sleep(1.0)
    return started

def _slow_flush():
    pathlib.Path({stop!r}).touch()       # about to put the fds back
    time.sleep(1.0)
    _real_flush()

capture.FdCapture._start = _slow_start
capture.flush_c_stdio = _slow_flush
"""


def test_stop_inside_the_fd_swap_itself_leaves_fds_as_they_were(tmp_path):
    in_start, in_stop = tmp_path / "in-start", tmp_path / "in-stop"
    kernel = Kernel(tmp_path)
    try:
        kernel.run("%load_ext tfgrade")
        kernel.run(Q03.setup_source)
        before = kernel.run(FDS)
        kernel.run(SLOW_SWAPS.format(start=str(in_start), stop=str(in_stop)))
        cell = "%%tfcheck q03\n" + Q03.solution_source
        for marker in (in_start, in_stop):
            in_start.unlink(missing_ok=True), in_stop.unlink(missing_ok=True)
            kernel.run(cell, interrupt_when=marker.exists)
            assert marker.exists()
            kernel.run("capture.FdCapture._start, capture.flush_c_stdio = _real_start, _real_flush")
            assert kernel.run(FDS) == before, f"fds changed after Stop in {marker.name}"
            written = kernel.run("import os\nos.write(1, b'fd 1 reaches the cell\\n')\nNone")
            assert "fd 1 reaches the cell" in written, f"fd 1 output lost after Stop in {marker.name}"
            kernel.run(SLOW_SWAPS.format(start=str(in_start), stop=str(in_stop)))
    finally:
        kernel.close()
