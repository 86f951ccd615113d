"""The repository's own promises: pins, the conda environment, the Colab setup cells."""

import pathlib
import re
import sys
import tomllib

import nbformat
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import colab_cell  # noqa: E402

NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb"))


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def requirement_name(req):
    return re.split(r"[=<>!~\[ ;]", req, maxsplit=1)[0].lower()


def test_every_runtime_dependency_is_pinned():
    for req in pyproject()["project"]["dependencies"]:
        assert "==" in req, (
            f"{req} is not pinned; the stored notebook outputs depend on exact versions"
        )


def test_environment_yml_names_every_runtime_dependency_with_the_same_pin():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    names = {}
    for dep in env["dependencies"]:
        entries = dep["pip"] if isinstance(dep, dict) else [dep]
        for entry in entries:
            if entry.startswith("-") or "=" not in entry:
                continue
            name, _, version = re.split(r"(==|=)", entry, maxsplit=1)
            names[name.strip().lower()] = version.strip()
    for req in pyproject()["project"]["dependencies"]:
        name, version = req.split("==")
        assert name.lower() in names, (
            f"environment.yml does not name {name} (pyproject.toml has {req})"
        )
        assert names[name.lower()].split("+")[0] == version, (
            f"{name}: environment.yml has {names[name.lower()]}, "
            f"pyproject.toml {version}"
        )


def test_torch_is_the_cpu_build():
    import torch

    assert torch.__version__ == "2.13.0+cpu", (
        f"torch {torch.__version__} installed; the course pins the CPU build"
    )


def test_every_notebook_is_listed_in_the_toc():
    toc = (ROOT / "_toc.yml").read_text()
    for nb in NOTEBOOKS:
        assert f"chapters/{nb.stem}" in toc, f"{nb.name} is not in _toc.yml"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_is_the_colab_setup_for_the_configured_repository(path):
    nb = nbformat.read(path, as_version=4)
    cell = colab_cell.first_code_cell(nb)
    url, branch = colab_cell.repository()
    assert "google.colab" in cell.source, (
        f"{path.name}: first code cell is not the Colab setup cell"
    )
    ref = colab_cell.release() or branch
    assert f'REPO = "{url}"' in cell.source and f"git+$REPO@{ref}" in cell.source, (
        f"{path.name}: setup cell does not install from {url}@{ref}"
    )
    assert cell.source == colab_cell.setup_source(), (
        f"{path.name}: stale setup cell; run make colab-cells"
    )


def test_colab_cell_check_reports_a_stale_url(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            colab_cell.setup_source().replace("github.com", "example.org")
        )
    ]
    path = tmp_path / "stale.ipynb"
    nbformat.write(nb, path)
    problems = colab_cell.check([path])
    assert len(problems) == 1 and "stale.ipynb" in problems[0]
    colab_cell.write([path])
    assert colab_cell.check([path]) == []
    assert nbformat.read(path, as_version=4).cells[0].metadata["tags"] == [
        "colab-setup",
        "remove-cell",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_executed_with_clean_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        stripped = "check" in cell.metadata.get("tags", [])  # tools/execute.py empties
        if cell.source.strip() and not stripped:
            assert cell.execution_count is not None, (
                f"{path.name}: code cell {i} never executed (make execute)"
            )
        for out in cell.get("outputs", []):
            assert out.output_type != "error", (
                f"{path.name}: code cell {i} stores an error"
            )
            assert out.get("name") != "stderr", (
                f"{path.name}: code cell {i} stores stderr: {out.get('text', '')[:80]}"
            )
            text = out.get("text", "") + str(out.get("data", {}).get("text/plain", ""))
            assert not re.search(r"at 0x[0-9a-f]{6,}", text), (
                f"{path.name}: code cell {i} stores a memory address"
            )
