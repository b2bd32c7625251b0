"""The docs test: every command shown in README.md and exercises/README.md runs as documented.

It follows the documents, not a list of its own. In each document, in order:

- a fenced ``bash`` block: each line is a command, run with ``bash -c`` in a temp folder (one
  folder per document, so a walk-through's steps build on each other), with this checkout's
  ``tfgrade`` first on PATH; it must exit 0;
- a fenced block whose info string has ``file=PATH`` (``toml file=my-course/pyproject.toml``)
  is written to PATH before the commands after it run;
- a fenced block whose info string has ``output`` is the documented output of the last command
  before it: its lines must appear in that order in the command's stdout (``...`` matches anything).

Inputs are made small and local: a missing ``.ipynb`` or ``folder/`` argument of a ``tfgrade``
command becomes one tiny notebook (the q03 reference); ``pip install`` installs into a temp
folder (``--target``, no dependencies, no build isolation, so no network) put on PYTHONPATH;
``bash scripts/*.sh`` is checked for syntax only (those scripts set up environments and run the
whole suite, this test included). Files named by the command (``.json``, ``.csv``, ``.ipynb``)
must exist afterwards and parse.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ("README.md", "exercises/README.md")
BIN = Path(sys.executable).parent

pytestmark = [pytest.mark.slow, pytest.mark.kernel]

_FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


@dataclass
class Block:
    kind: str             # "commands", "file" or "output"
    body: str
    line: int
    path: str = ""
    commands: list[str] = field(default_factory=list)


def parse_document(text: str) -> list[Block]:
    blocks = []
    for match in _FENCE.finditer(text):
        info, body = match.group(1).split(), match.group(2)
        line = text.count("\n", 0, match.start()) + 1
        attrs = dict(word.split("=", 1) for word in info[1:] if "=" in word)
        if "file" in attrs:
            blocks.append(Block("file", body, line, path=attrs["file"]))
        elif "output" in info[1:]:
            blocks.append(Block("output", body, line))
        elif info[:1] == ["bash"]:
            joined = body.replace("\\\n", " ")
            commands = [c for c in (_strip_comment(x) for x in joined.splitlines()) if c]
            blocks.append(Block("commands", body, line, commands=commands))
    return blocks


def _strip_comment(line: str) -> str:
    """The line without a trailing shell comment (a `#` outside quotes, after a space or at the start)."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].strip()
    return line.strip()


def _tiny_notebook(path: Path) -> None:
    from tfgrade import get_exercise

    source = get_exercise("q03").solution_source
    cells = [nbformat.v4.new_code_cell("%load_ext tfgrade"),
             nbformat.v4.new_code_cell(f"%%tfcheck q03\n{source}")]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))


def _prepare_inputs(words: list[str], work: Path) -> None:
    """Missing notebook / folder arguments of a tfgrade command become one tiny notebook."""
    for before, word in zip(["", *words], words):
        if before.startswith("-") or (work / word).exists():
            continue
        if word.endswith(".ipynb"):
            _tiny_notebook(work / word)
        elif word.endswith("/"):
            _tiny_notebook(work / word / "learner.ipynb")


def _outputs_named(words: list[str], work: Path) -> list[Path]:
    return [work / w for w in words if w.endswith((".json", ".csv", ".ipynb")) and not (work / w).exists()]


def _check_output_file(path: Path) -> None:
    assert path.is_file(), f"{path.name} was not written"
    if path.suffix == ".json":
        json.loads(path.read_text())
    elif path.suffix == ".csv":
        assert next(csv.reader(path.open())), f"{path.name} has no header row"
    else:
        nbformat.validate(nbformat.read(str(path), as_version=4))


def _matches_shape(expected: str, actual: str) -> str | None:
    """None if every line of ``expected`` appears in order in ``actual``; else the first missing line."""
    lines = iter(actual.splitlines())
    for want in (w.rstrip() for w in expected.splitlines()):
        if want.strip() in ("", "..."):
            continue
        pattern = re.compile(".*".join(re.escape(part) for part in want.split("...")) + r"\s*$")
        if not any(pattern.match(got.rstrip()) for got in lines):
            return want
    return None


class DocumentRun:
    def __init__(self, document: str, work: Path) -> None:
        self.document, self.work = document, work
        self.site = work / ".site"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TFGRADE_")}
        self.env.update(PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", TF_CPP_MIN_LOG_LEVEL="3",
                        TF_ENABLE_ONEDNN_OPTS="0", PYTHONPATH=f"{ROOT}{os.pathsep}{self.site}", COLUMNS="100")
        self.last: tuple[str, str] | None = None

    def run(self, command: str, line: int) -> None:
        words = shlex.split(command)
        program = next((w for w in words if "=" not in w), "")
        where = f"{self.document}:{line}: `{command}`"
        if program == "bash" and len(words) > 1 and words[1].startswith("scripts/"):
            script = ROOT / words[1]
            assert script.is_file(), f"{where}: no such script"
            subprocess.run(["bash", "-n", str(script)], check=True)
            return
        if program == "pip" and "install" in words:
            command = command.replace("pip install", f"pip install --no-deps --no-build-isolation -q --target {self.site}", 1)
        created = []
        if program == "tfgrade":
            _prepare_inputs(words[words.index(program) + 1:], self.work)
            created = _outputs_named(words, self.work)
        result = subprocess.run(["bash", "-c", command], cwd=self.work, env=self.env, capture_output=True,
                                text=True, timeout=600)
        assert result.returncode == 0, f"{where} exited {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        for path in created:
            _check_output_file(path)
        self.last = (where, result.stdout)

    def expect_output(self, block: Block) -> None:
        assert self.last is not None, f"{self.document}:{block.line}: an output block with no command before it"
        where, stdout = self.last
        missing = _matches_shape(block.body, stdout)
        assert missing is None, f"{where}: documented output line not found: {missing!r}\n--- got:\n{stdout[-3000:]}"


def test_parser_reads_commands_files_and_outputs():
    text = ("x\n```bash\ntfgrade list   # all\nA=1 tfgrade show q03 \\\n  --x\n# only a comment\n```\n"
            "```toml file=a/b.toml\nk = 1\n```\n```text output\nq03 ...\n```\n```python\nprint()\n```\n")
    blocks = parse_document(text)
    assert [(b.kind, b.line) for b in blocks] == [("commands", 2), ("file", 8), ("output", 11)]
    assert blocks[0].commands == ["tfgrade list", "A=1 tfgrade show q03    --x"]
    assert _strip_comment("echo '#x' a#b # c | d") == "echo '#x' a#b"
    assert blocks[1].path == "a/b.toml" and blocks[1].body == "k = 1\n"
    assert _matches_shape("a ...\n...\nc", "a b\nx\nc\n") is None
    assert _matches_shape("c\na ...", "a b\nc\n") == "a ..."


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_documented_command_runs(document, tmp_path):
    blocks = parse_document((ROOT / document).read_text(encoding="utf-8"))
    assert any(b.kind == "commands" for b in blocks), f"{document} shows no bash block"
    run = DocumentRun(document, tmp_path)
    for block in blocks:
        if block.kind == "file":
            target = tmp_path / block.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.body, encoding="utf-8")
        elif block.kind == "output":
            run.expect_output(block)
        else:
            for command in block.commands:
                run.run(command, block.line)
