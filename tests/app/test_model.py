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


def test_rows_put_in_and_taken_out_in_place_equal_a_rebuild(demo: Path) -> None:
    import random

    m = model_of(demo)
    rng = random.Random(7)
    base = m.records["crash"]
    names = [f"job{rng.randrange(1000)}{rng.choice(['', '.002', 'b'])}" for _ in range(60)] + [
        "a",
        "zz",
        "nested0",
    ]
    for name in dict.fromkeys(names):
        m.update([replace(base, name=name, path=name, hash=None)])
        assert not m.rebuild()  # in place, no sort of every row
        fresh = JobRows()
        fresh.update(m.records.values())
        fresh.rebuild()
        assert m.rows == fresh.rows
        assert all(m.index_of(p) == i for i, p in enumerate(m.rows))
    for name in list(dict.fromkeys(names))[::3] + ["crash"]:
        m.update(removed=[name])
        assert not m.rebuild()
        fresh = JobRows()
        fresh.update(m.records.values())
        fresh.rebuild()
        assert m.rows == fresh.rows and m.index_of(name) is None
    # a folded MultiJob's children stay hidden; a new MultiJob takes the full rebuild
    m.toggle_collapsed("nested")
    m.rebuild()
    m.update([replace(m.records["nested"], name="nested9", path="nested9", children=("nested9/x",))])
    assert m.rebuild()
    assert m.rows.index("nested9") > m.rows.index("nested")
