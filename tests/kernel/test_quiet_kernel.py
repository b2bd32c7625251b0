"""tfgrade adds nothing to a cell's stderr: TensorFlow's start-up lines and tfgrade's own device
queries stay out of the notebook, in a kernel whose environment does not quiet TensorFlow."""

from __future__ import annotations

import os

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from tfgrade.catalog import get_exercise

from .conftest import report_of

pytestmark = [pytest.mark.kernel, pytest.mark.slow]

Q03 = get_exercise("q03")


def _run(sources: list[str], tmp_path) -> nbformat.NotebookNode:
    notebook = new_notebook(cells=[new_code_cell(s) for s in sources])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    # Unlike the other kernel tests: no TF_CPP_MIN_LOG_LEVEL / TF_ENABLE_ONEDNN_OPTS from outside, and
    # no PYTEST_CURRENT_TEST, which makes ipykernel skip forwarding fds 1/2 to the cells as Jupyter does.
    hidden = ("TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "PYTEST_CURRENT_TEST")
    env = {k: v for k, v in os.environ.items() if k not in hidden}
    client = NotebookClient(notebook, timeout=240, allow_errors=True, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=env)
    return notebook


def _stderr(cell) -> list[str]:
    return [o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream" and o.get("name") == "stderr"]


def test_load_ext_then_tfcheck_writes_no_stderr_in_any_cell(tmp_path):
    notebook = _run([
        "%load_ext tfgrade",
        Q03.setup_source,                                   # `import tensorflow` happens here
        "%%tfcheck q03\n" + Q03.solution_source,
        "import tensorflow as tf\nprint(float(tf.reduce_sum(tf.ones([3]))))",
    ], tmp_path)
    for number, cell in enumerate(notebook.cells, 1):
        assert not [o for o in cell.outputs if o.get("output_type") == "error"], f"cell {number}: {cell.outputs}"
        assert _stderr(cell) == [], f"cell {number} wrote to stderr: {_stderr(cell)}"
    report = report_of(notebook.cells[2])
    assert report["score"] == report["max_score"] > 0
    assert [o["text"] for o in notebook.cells[3].outputs if o.get("name") == "stdout"] == ["3.0\n"]


def test_tfgrades_first_device_listing_writes_no_stderr(tmp_path):
    # TensorFlow imported before the extension: its import lines are the learner's own, but the
    # device listing tfgrade makes first ("failed call to cuInit" without a GPU) stays out.
    notebook = _run([
        "import numpy as np\nimport tensorflow as tf",
        "%load_ext tfgrade",
        "%%tfcheck q03\n" + Q03.solution_source,
    ], tmp_path)
    assert _stderr(notebook.cells[1]) == [] and _stderr(notebook.cells[2]) == []
    report = report_of(notebook.cells[2])
    assert report["score"] == report["max_score"] > 0
