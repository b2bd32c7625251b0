"""Helpers for kernel-level tests: run notebooks in real ipykernel kernels through nbclient."""

from __future__ import annotations

import os

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from tfgrade.report import MIME_TYPE


def kernel_env(**extra: str) -> dict[str, str]:
    # ipykernel does not forward fd-level output to cells while PYTEST_CURRENT_TEST is set:
    # a kernel under test must see what a learner's kernel sees.
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    env.update({"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"})
    env.update(extra)
    return env


def run_cells(sources: list[str], tmp_path, timeout: int = 300, **env: str) -> nbformat.NotebookNode:
    notebook = new_notebook(cells=[new_code_cell(s) for s in sources])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(notebook, timeout=timeout, allow_errors=True, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute(env=kernel_env(**env))
    return notebook


def report_of(cell) -> dict:
    found = [o["data"][MIME_TYPE] for o in cell.outputs if MIME_TYPE in o.get("data", {})]
    assert len(found) == 1, f"expected one tfgrade report in the cell's outputs, found {len(found)}: {cell.outputs}"
    return found[0]


def stream_text(cell, name: str = "stdout") -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream" and o.get("name") == name)


@pytest.fixture
def notebook_runner(tmp_path):
    return lambda sources, **kw: run_cells(sources, tmp_path, **kw)
