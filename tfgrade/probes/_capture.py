"""Capture of what code writes, at two levels, teeing it on to the real streams.

- Python level: ``sys.stdout`` / ``sys.stderr`` become :class:`Tee`\\ s (``print``).
- File descriptors 1 and 2 (:class:`FdCapture`): what C and C++ write directly
  (``tf.print``, TensorFlow's C++ logging) goes through a pipe read by a thread;
  ``contextlib.redirect_stdout`` sees none of it.

Whatever happens (an error, a KeyboardInterrupt in the middle of set-up or tear-down),
the descriptors end up exactly as they were and the copies made of them are closed: the
swaps run with interrupts deferred, and putting fd back is the first step of stopping.
Output of threads other than the one being watched always reaches the real stream, also
when the capture does not echo (a learner's background thread is never silenced).
"""

from __future__ import annotations

import codecs
import io
import os
import select
import threading
from typing import Any, TextIO

from ..patching import interrupts_deferred

__all__ = ["Record", "Tee", "FdCapture", "fileno"]

_MAX_TEXT = 2_000_000   # characters kept per stream


class Record:
    """A thread-safe text buffer (keeps the first ``_MAX_TEXT`` characters)."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._size = 0
        self._lock = threading.Lock()

    def write(self, text: str) -> None:
        with self._lock:
            if self._size < _MAX_TEXT:
                self._parts.append(text)
                self._size += len(text)

    def getvalue(self) -> str:
        with self._lock:
            return "".join(self._parts)


class Tee(io.TextIOBase):
    """Writes to the original stream (when echoing) and to a record.

    ``record`` is None when the original stream writes to a file descriptor that is being
    captured: the fd layer records the text then, so the tee only passes it through.
    Writes from threads other than ``owner`` (the thread that set the tee up) always pass
    through, and after :meth:`stop_recording` every write does.
    """

    def __init__(self, original: TextIO, record: Record | None, echo: bool) -> None:
        self._original, self._record, self._echo = original, record, echo
        self._owner = threading.get_ident()
        self._detached = False

    def stop_recording(self) -> None:
        self._detached = True

    def _passes_through(self) -> bool:
        return self._echo or self._record is None or self._detached or threading.get_ident() != self._owner

    def write(self, text: str) -> int:
        if self._record is not None and not self._detached:
            self._record.write(text)
        if self._passes_through():
            self._original.write(text)
        return len(text)

    def flush(self) -> None:
        if self._passes_through():
            self._original.flush()

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:   # encoding, fileno, ... of the real stream
        return getattr(self._original, name)


def fileno(stream: Any) -> int | None:
    try:
        return int(stream.fileno())
    except Exception:
        return None


def flush_c_stdio() -> None:
    """Flush C stdio buffers (std::cout from tf.print lands there) before fds move."""
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except Exception:
        pass


def _close(fd: int | None) -> None:
    if fd is not None:
        try:
            os.close(fd)
        except OSError:
            pass


class FdCapture:
    """Point fd ``fd`` at a pipe; a thread records what arrives and echoes it if asked."""

    def __init__(self, fd: int, record: Record, echo: bool) -> None:
        self.fd, self._record, self._echo = fd, record, echo
        self._saved: int | None = None
        self._read: int | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._pump_closes = False     # set when stop() had to leave the pump running
        self._pump_done = False
        self._lock = threading.Lock()

    def start(self) -> bool:
        try:
            with interrupts_deferred():     # an interrupt held back here is raised inside the try
                return self._start()
        except BaseException:
            self._stop_now()
            raise

    def _start(self) -> bool:
        saved = read = write = None
        try:
            saved = os.dup(self.fd)
            read, write = os.pipe()
            os.dup2(write, self.fd)
        except OSError:
            _close(saved), _close(read)
            return False
        finally:
            _close(write)
        self._saved, self._read = saved, read
        self._thread = threading.Thread(target=self._pump, name=f"tfgrade-fd{self.fd}", daemon=True)
        self._thread.start()
        return True

    def _pump(self) -> None:
        read, saved = self._read, self._saved
        assert read is not None and saved is not None
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while True:
            ready, _, _ = select.select([read], [], [], 0.05)
            if not ready:
                if self._stop.is_set():
                    break
                continue
            try:
                chunk = os.read(read, 65536)
            except OSError:
                break
            if not chunk:
                break
            self._record.write(decoder.decode(chunk))
            if self._echo:
                try:
                    os.write(saved, chunk)
                except OSError:
                    pass
        self._record.write(decoder.decode(b"", final=True))
        with self._lock:
            self._pump_done = True
            if self._pump_closes:
                _close(read)
                _close(saved)

    def stop(self) -> None:
        with interrupts_deferred():
            self._stop_now()

    def _stop_now(self) -> None:
        saved, read = self._saved, self._read
        if saved is None:
            return
        try:
            flush_c_stdio()
            os.dup2(saved, self.fd)           # the fd is exactly what it was: first thing, always
        finally:
            self._stop.set()
            try:
                if self._thread is not None:
                    self._thread.join(timeout=2.0)   # drain what was written before the swap
            finally:
                with self._lock:
                    if self._thread is not None and not self._pump_done:
                        self._pump_closes = True      # still draining: it closes both when done
                    else:
                        _close(read)
                        _close(saved)
                self._saved = self._read = None
