"""JobRecord and its one JSON shape; the status filter and hashing choices the CLI and the app share."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fixtures.workdirs import build_zoo  # noqa: E402
from plams_core.errors import OptionError, PlamsError  # noqa: E402
from plams_core.hashing import parse_hashing  # noqa: E402
from plams_core.index import (  # noqa: E402
    JobRecord,
    filter_records,
    parse_status_filter,
    records_json,
    records_json_parts,
    scan_workdir,
)


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> list[JobRecord]:
    return list(scan_workdir(build_zoo("2026.104", tmp_path_factory.mktemp("zoo"))[0]))


def test_records_are_frozen(records: list[JobRecord]) -> None:
    rec = records[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.status = "failed"  # type: ignore[misc]
    assert type(rec) is JobRecord and hash(rec) == hash(dataclasses.replace(rec))
    assert JobRecord(**{f.name: getattr(rec, f.name) for f in dataclasses.fields(rec)}) == rec


def test_json_lines_are_to_dict(records: list[JobRecord]) -> None:
    odd = dataclasses.replace(records[0], name='we"ird\\ \x1b[31m é \n', files=("a\tb", "ü/"))
    listing = [*records, odd]
    text = records_json(listing)
    assert json.loads(text) == [r.to_dict() for r in listing]
    assert text.splitlines()[1] == json.dumps(listing[0].to_dict(), ensure_ascii=False) + ","
    assert records_json([]) == "[]\n"
    # ls writes it in parts (perf): joined, the same text, whatever the part size
    for size in (1, 2, len(listing), 1000):
        assert "".join(records_json_parts(listing, size)) == text
    assert "".join(records_json_parts([])) == "[]\n"
    assert list(records[0].to_dict())[:4] == ["name", "path", "parent", "status"]


def test_status_filter(records: list[JobRecord]) -> None:
    assert parse_status_filter(None) is None
    wanted = parse_status_filter("Crashed, interrupted")
    assert wanted == {"crashed", "interrupted"}
    interrupted = dataclasses.replace(records[0], status="running", interrupted=True)
    got = filter_records([*records, interrupted], wanted)
    assert interrupted in got and all(r.status == "crashed" or r.interrupted for r in got)
    assert {r.status for r in got} >= {"crashed"}
    assert filter_records(records, parse_status_filter("unknown")) == [
        r for r in records if r.status == "unknown"
    ]
    with pytest.raises(OptionError) as err:
        parse_status_filter("crashed,bogus")
    assert "bogus" in str(err.value) and "interrupted" in str(err.value)
    assert isinstance(err.value, PlamsError)


def test_hashing_choices() -> None:
    assert parse_hashing("none") is None and parse_hashing("input+runscript") == "input+runscript"
    with pytest.raises(OptionError, match="runscript"):
        parse_hashing("md5")
