"""tfgrade.startup: what TensorFlow writes to fd 2 while tfgrade holds it never reaches the cell."""

from __future__ import annotations

import os
import sys

from tfgrade.startup import is_start_up_noise, quietly, take_messages

CUINIT = ("E0000 00:00:1795528871.946976     903 cuda_platform.cc:52] failed call to cuInit: INTERNAL: "
          "CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)\n")


def test_known_start_up_lines_are_dropped_and_real_ones_kept_for_the_report(capfd):
    take_messages()

    def noisy() -> int:
        os.write(2, CUINIT.encode())
        os.write(2, b"I0000 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.\n")
        os.write(2, b"W0000 something.cc:1] a real warning the learner should hear about\n")
        print("from python", file=sys.stderr)
        return 7

    assert quietly(noisy) == 7
    shown = capfd.readouterr()
    assert shown.err == "" and shown.out == ""
    # fd-level and Python-level lines arrive by different routes: their order is not fixed
    assert sorted(take_messages()) == ["W0000 something.cc:1] a real warning the learner should hear about",
                                       "from python"]
    assert take_messages() == []                    # each line is reported once


def test_fd_2_is_back_after_an_error(capfd):
    before = os.fstat(2).st_ino

    def fails() -> None:
        os.write(2, b"on the way down\n")
        raise RuntimeError("query failed")

    try:
        quietly(fails)
    except RuntimeError as error:
        assert str(error) == "query failed"
    assert os.fstat(2).st_ino == before
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"
    assert take_messages() == ["on the way down"]


def test_noise_patterns():
    assert is_start_up_noise(CUINIT)
    assert is_start_up_noise("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR")
    assert is_start_up_noise("")
    assert not is_start_up_noise("W0000 op_kernel.cc:1] OUT_OF_RANGE: End of sequence")


def test_a_handler_made_while_fd_2_was_held_still_writes_afterwards(capfd):
    # TensorFlow creates its logger's StreamHandler(sys.stderr) during its import, i.e. inside quietly().
    import logging

    handler = quietly(logging.StreamHandler)
    logger = logging.getLogger("tfgrade-test-late-handler")
    logger.addHandler(handler)
    try:
        logger.warning("a warning long after start-up")
    finally:
        logger.removeHandler(handler)
    assert "a warning long after start-up" in capfd.readouterr().err
    assert take_messages() == []
