"""Every notebook in notebooks/ is valid nbformat 4.5 (cell ids included), runs top to bottom in
a Jupyter kernel (nbclient, from the repository root) and shows what it promises: the plots
are images in its outputs, the plans say what they found."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def read_notebook(path: Path) -> Any:
    nbformat = pytest.importorskip("nbformat")
    # nbformat warns (and quietly adds ids) when a 4.5 notebook's cells lack them.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    return notebook


@pytest.fixture(scope="module")
def executed() -> dict[str, Any]:
    """Each notebook executed once, by file stem."""
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    notebooks = {}
    with pytest.MonkeyPatch.context() as patch:
        # The kernel inherits the environment: a headless backend there would swallow figures.
        patch.delenv("MPLBACKEND", raising=False)
        for path in NOTEBOOKS:
            notebook = read_notebook(path)
            nbclient.NotebookClient(
                notebook,
                timeout=600,
                kernel_name="python3",
                resources={"metadata": {"path": str(ROOT)}},
            ).execute()
            notebooks[path.stem] = notebook
    return notebooks


def outputs(notebook: Any) -> list[dict[str, Any]]:
    return [output for cell in notebook.cells for output in cell.get("outputs", [])]


def test_notebooks_are_shipped() -> None:
    for name in ("quickstart", "capacity-planning", "hot-keys"):
        assert (ROOT / "notebooks" / f"{name}.ipynb") in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_valid_with_a_unique_id_per_cell(path: Path) -> None:
    ids = [cell["id"] for cell in read_notebook(path).cells]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_without_errors(path: Path, executed: dict[str, Any]) -> None:
    errors = [o for o in outputs(executed[path.stem]) if o.get("output_type") == "error"]
    assert not errors


def test_quickstart_shows_its_plots(executed: dict[str, Any]) -> None:
    # The pandas plot, then result.plot.throughput(): a Figure shown as an image by itself.
    images = [o for o in outputs(executed["quickstart"]) if "image/png" in o.get("data", {})]
    assert len(images) == 2


def texts(notebook: Any) -> str:
    return "".join(
        o.get("text", "") + "".join(o.get("data", {}).get("text/plain", ""))
        for o in outputs(notebook)
    )


def images(notebook: Any) -> list[dict[str, Any]]:
    return [o for o in outputs(notebook) if "image/png" in o.get("data", {})]


def test_capacity_planning_goes_from_a_workload_to_a_plan_and_a_plotted_sweep(
    executed: dict[str, Any],
) -> None:
    notebook = executed["capacity-planning"]
    text = texts(notebook)
    assert "plan for iot-fleet: cheapest: " in text
    assert "candidates:" in text
    # plan.plot(), the cost by mode, the sweep's throttling and cost: three images.
    assert len(images(notebook)) == 3


def test_hot_keys_finds_the_key_and_fixes_it_two_ways(executed: dict[str, Any]) -> None:
    notebook = executed["hot-keys"]
    text = texts(notebook)
    assert "no shard count meets throttled<=0.1%" in text
    assert "key user-17 alone sends" in text
    # Both fixes end with a plan that meets the objective.
    assert text.count("meets throttled<=0.1% on all 3 seeds") == 2
    # hot keys, the heat map, the fixed run's throughput, the KPL plan's chart.
    assert len(images(notebook)) == 4
