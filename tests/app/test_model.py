"""The table's model without a screen: order, filter, marks and the cursor keyed by job path."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from plams_core.index import scan_workdir

from plams_tui.model import JobRows


def model_of(folder: Path) -> JobRows:
    m = JobRows()
    m.update(list(scan_workdir(folder)))
    m.rebuild()
    return m


def test_tree_order_and_fold(demo: Path) -> None:
    m = model_of(demo)
    assert m.rows.index("nested/inner/leaf") == m.rows.index("nested/inner") + 1
    assert m.depth("nested/inner/leaf") == 2
    m.toggle_collapsed("nested")
    m.rebuild()
    assert "nested/first" not in m.rows and "nested" in m.rows
    m.toggle_collapsed("crash")  # a SingleJob does not fold
    assert not m.rebuild()


def test_changes_in_place_keep_rows_and_marks(demo: Path) -> None:
    m = model_of(demo)
    m.toggle_mark("crash")
    rows = list(m.rows)
    m.update([replace(m.records["crash"], status="successful")])
    m.rebuild()
    assert m.rows == rows and m.marked == {"crash"} and m.records["crash"].status == "successful"
    m.set_sort("status")
    m.rebuild()
    m.update([replace(m.records["fail"], status="successful")])
    assert m.rebuild()  # sorted by status: the row moves
    m.update(removed=["crash"])
    m.rebuild()
    assert "crash" not in m.rows and not m.marked
    assert m.selection("fail") == ["fail"]


def test_filter_words_and_counts(demo: Path) -> None:
    m = model_of(demo)
    m.set_filter("SCAN crash")
    m.rebuild()
    assert m.rows == ["scan/bad"]
    counts = m.counts()
    assert counts["crashed"] == 2 and counts["copied"] == 1
    assert m.hash_count[m.records["repeat"].hash] == 2


def test_names_sort_in_natural_order_filtered_or_not(tmp_path: Path) -> None:
    from plams_core.demo import build_demo

    wd = build_demo(tmp_path)
    for n in (10086, 1037, 2, 10):  # as ls sorts them: job2, job10, job1037, job10086
        (wd / f"again_{n}").mkdir()
        (wd / f"again_{n}" / f"again_{n}.in").write_text(f"{n}\n")
    m = model_of(wd)
    order = [p for p in m.rows if p.startswith("again_")]
    assert order == ["again_2", "again_10", "again_1037", "again_10086"]
    m.set_filter("again")
    m.rebuild()
    assert list(m.rows) == order
