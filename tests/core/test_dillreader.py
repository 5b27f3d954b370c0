"""read_dill: real job pickles read ok, hostile ones are unsafe and never run, broken ones corrupt.

Hostile payloads come from tests/fixtures/hostile/: ``payloads.py`` builds them opcode by
opcode, ``dill_payloads.py`` (a script, run in a scratch folder) writes those that need
dill's by-value classes. Each live payload is first proven live: loaded with ``dill.loads``
in a subprocess it creates ``CANARY``. Then ``read_dill`` must call it unsafe, in this
process, without the canary appearing and without importing anything.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import pickle
import random
import struct
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from peers import peer_python, run_script

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fixtures.hostile import payloads  # noqa: E402
from plams_core.pickles.reader import DillInfo, read_dill, read_dill_bytes  # noqa: E402

TESTS = Path(__file__).resolve().parents[1]
ZOO = TESTS / "fixtures" / "zoo.py"
AMS_JOBS = TESTS / "fixtures" / "ams_jobs.py"
REUSED_NAMES = TESTS / "fixtures" / "reused_names.py"
DILL_PAYLOADS = TESTS / "fixtures" / "hostile" / "dill_payloads.py"
CANARY = payloads.CANARY

# What dill_payloads.py writes (kept here: importing that script would run its class bodies).
DILL_PAYLOAD_NAMES = (
    "byvalue_setstate_job",
    "byvalue_reduce_to_system",
    "byvalue_function_called",
    "byvalue_init_subclass",
    "byvalue_set_name",
    "byvalue_del",
    "byvalue_new",
    "byvalue_setitem",
    "byvalue_hash_key",
    "byvalue_getattr",
    "byvalue_metaclass",
    "plams_status_setter_via_slot_state",
)
LIVE_NAMES = (*payloads.LIVE, *DILL_PAYLOAD_NAMES)

LOADER = textwrap.dedent(
    """
    import sys, dill
    try:
        dill.loads(open(sys.argv[1], "rb").read())
    except BaseException as exc:
        print(type(exc).__name__, exc)
    """
)


class FakeJob:
    """A job class from a user module (``myjobs.py`` beside the script): stored by reference."""

    def __init__(self, name: str, settings: dict[str, Any]) -> None:
        self.name = name
        self.status = "successful"
        self.path = "/somewhere/" + name
        self.settings = settings


# --------------------------------------------------------------------------------------
# Real pickles
# --------------------------------------------------------------------------------------


def run_zoo(python: str, impl: str, parent: Path) -> tuple[Path, dict[str, Any]]:
    truth = parent / "truth.json"
    proc = run_script(python, ZOO, cwd=parent, env={"PLAMS_IMPL": impl}, args=[str(parent), "wd", str(truth)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(truth.read_text())
    return Path(data["workdir"]), data


ZOO_SOURCES = [
    pytest.param("2024.107", marks=pytest.mark.plams2024),
    "2026.104",
    "plams_core",
]


@pytest.fixture(scope="module", params=ZOO_SOURCES)
def zoo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, dict]:
    """A working folder left by zoo.py: real PLAMS 2024.107 or 2026.104, or plams_core."""
    source = request.param
    parent = tmp_path_factory.mktemp(f"zoo-{source}")
    if source == "plams_core":
        workdir, truth = run_zoo(sys.executable, "plams_core", parent)
    else:
        workdir, truth = run_zoo(peer_python(source), "scm.plams", parent)
    return source, workdir, truth


def dill_of(workdir: Path, job: dict[str, Any]) -> Path:
    return workdir / job["path"] / (job["name"] + ".dill")


def test_real_pickles_read_ok_and_match_the_job_manager(zoo: tuple[str, Path, dict]) -> None:
    source, workdir, truth = zoo
    seen = 0
    for job in truth["jobs"]:
        path = dill_of(workdir, job)
        if not path.exists():
            continue
        seen += 1
        info = read_dill(path)
        assert info.verdict == "ok", (path, info.reason)
        assert info.reason is None
        assert (info.class_name, info.name, info.status) == (job["class"], job["name"], job["status"]), path
        children = tuple(j["name"] for j in truth["jobs"] if j["parent"] == job["path"])
        assert info.children == children, path
        assert info.path is not None and Path(info.path) == workdir / job["path"]
        assert info.size == path.stat().st_size and info.inode == path.stat().st_ino
        assert info.mtime_ns == path.stat().st_mtime_ns
        assert info.settings["pickle"] is True
        if source == "2024.107":
            assert info.status_log == ()
        else:
            assert info.status_log[0][1] == "created" and info.status_log[-1][1] == job["status"]
    assert seen >= 12  # every job that PLAMS pickles in the zoo, MultiJobs included


def test_by_value_script_class_and_module_class(zoo: tuple[str, Path, dict]) -> None:
    _, workdir, _ = zoo
    script_class = read_dill(workdir / "opt" / "opt.dill")
    assert (script_class.class_name, script_class.class_module, script_class.by_value) == (
        "ShJob",
        "__main__",
        True,
    )
    multi = read_dill(workdir / "nested" / "nested.dill")
    assert multi.class_name == "MultiJob" and not multi.by_value
    assert multi.class_module in ("scm.plams.core.basejob", "plams_core.basejob")
    assert multi.children == ("first", "inner")


def test_settings_subset_is_plain_data(zoo: tuple[str, Path, dict]) -> None:
    _, workdir, _ = zoo
    assert dict(read_dill(workdir / "kept" / "kept.dill").settings) == {
        "keep": ["$JN.out"],
        "save": "all",
        "pickle": True,
        "link_files": True,
    }
    assert read_dill(workdir / "trimmed" / "trimmed.dill").settings["save"] == ["-", "$JN.err", "$JN.run"]
    assert read_dill(workdir / "saved" / "saved.dill").settings["save"] == "none"
    assert read_dill(workdir / "dup" / "dup.dill").status == "copied"


def test_status_log_timestamps_equal_what_plams_loads(zoo: tuple[str, Path, dict]) -> None:
    source, workdir, _ = zoo
    if source == "2024.107":
        pytest.skip("PLAMS 2024 has no status log")
    path = workdir / "opt" / "opt.dill"
    python = sys.executable if source == "plams_core" else peer_python(source)
    script = (
        "import sys, json, dill\n"
        "job = dill.load(open(sys.argv[1], 'rb'))\n"
        "print(json.dumps([[t.isoformat(), str(s)] for t, s in job._status_log]))\n"
    )
    proc = subprocess.run(
        [python, "-c", script, str(path)], capture_output=True, text=True, cwd=workdir.parent
    )
    assert proc.returncode == 0, proc.stderr
    expected = tuple(tuple(entry) for entry in json.loads(proc.stdout))
    assert read_dill(path).status_log == expected


def test_read_dill_bytes_agrees_with_read_dill(zoo: tuple[str, Path, dict]) -> None:
    _, workdir, _ = zoo
    path = workdir / "nested" / "inner" / "inner.dill"
    from_file, from_bytes = read_dill(path), read_dill_bytes(path.read_bytes())
    assert from_bytes == DillInfo(**{**_fields(from_file), "mtime_ns": 0, "inode": 0})


def _fields(info: DillInfo) -> dict[str, Any]:
    return {name: getattr(info, name) for name in DillInfo.__slots__}


def test_module_class_is_ok_and_a_by_value_method_calling_os_system_is_not_load_time(tmp_path: Path) -> None:
    """A false positive to avoid: os.system inside get_input only runs when the job runs."""
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            """
            import os, sys, dill
            from scm.plams import SingleJob

            class SysJob(SingleJob):
                def __init__(self, **kwargs):
                    super().__init__(**kwargs)
                    self.extra = {"when": "later"}

                def get_input(self):
                    os.system("touch CANARY")
                    return ""

                def get_runscript(self):
                    return "true\\n"

            job = SysJob(name="sysjob")
            job.settings.keep = ["$JN.out"]
            with open(sys.argv[1], "wb") as f:
                dill.dump(job, f)
            """
        )
    )
    out = tmp_path / "sysjob.dill"
    proc = run_script(sys.executable, script, cwd=tmp_path, args=[str(out)])
    assert proc.returncode == 0, proc.stderr
    info = read_dill(out)
    assert info.verdict == "ok", info.reason
    assert (info.class_name, info.class_module, info.by_value, info.name) == (
        "SysJob",
        "__main__",
        True,
        "sysjob",
    )
    assert info.status == "created" and info.settings["keep"] == ["$JN.out"]
    # Loading it for real runs nothing either.
    run_dir = tmp_path / "load"
    run_dir.mkdir()
    loaded = subprocess.run(
        [sys.executable, "-c", LOADER, str(out)], cwd=run_dir, capture_output=True, text=True
    )
    assert loaded.stdout == "" and not (run_dir / CANARY).exists()

    user_module = read_dill_bytes(pickle.dumps(FakeJob("mine", {"keep": "all"}), protocol=4))
    assert user_module.verdict == "ok", user_module.reason
    assert (user_module.class_name, user_module.class_module, user_module.by_value) == (
        "FakeJob",
        FakeJob.__module__,
        False,
    )
    assert (user_module.name, user_module.status, dict(user_module.settings)) == (
        "mine",
        "successful",
        {"keep": "all"},
    )


# --------------------------------------------------------------------------------------
# Hostile pickles
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Every live payload by name: opcode-built ones and those dill_payloads.py writes."""
    scratch = tmp_path_factory.mktemp("dill-payloads")
    out = scratch / "out"
    out.mkdir()
    proc = run_script(sys.executable, DILL_PAYLOADS, cwd=scratch, args=[str(out)])
    assert proc.returncode == 0, proc.stderr
    written = {p.stem: p.read_bytes() for p in out.glob("*.dill")}
    assert sorted(written) == sorted(DILL_PAYLOAD_NAMES)
    return {**payloads.LIVE, **written}


def wait_for(path: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.05)
    return path.exists()


@pytest.mark.parametrize("name", LIVE_NAMES)
def test_payload_is_live_when_really_loaded(name: str, hostile: dict[str, bytes], tmp_path: Path) -> None:
    """Guards the test below: dill.loads in a subprocess does create the canary."""
    pickled = tmp_path / f"{name}.dill"
    pickled.write_bytes(hostile[name])
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    proc = subprocess.run(
        [sys.executable, "-c", LOADER, str(pickled)], cwd=run_dir, capture_output=True, text=True, timeout=120
    )
    assert wait_for(run_dir / CANARY, 10), f"payload {name} did not fire: {proc.stdout}{proc.stderr}"


@pytest.mark.parametrize("name", LIVE_NAMES)
def test_hostile_pickle_is_unsafe_and_never_runs(
    name: str, hostile: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    pickled = tmp_path / "job.dill"
    pickled.write_bytes(hostile[name])
    modules_before = set(sys.modules)
    info = read_dill(pickled)
    gc.collect()
    assert info.verdict == "unsafe", (name, info)
    assert info.reason and "\n" not in info.reason
    assert (info.class_name, info.name, info.children) == (None, None, ())
    assert set(sys.modules) - modules_before == set()  # nothing named in the pickle was imported
    time.sleep(0.05)
    assert not (tmp_path / CANARY).exists()


@pytest.mark.parametrize("name", list(payloads.REFUSED))
def test_refused_constructs_are_unsafe(name: str) -> None:
    modules_before = set(sys.modules)
    info = read_dill_bytes(payloads.REFUSED[name])
    assert info.verdict == "unsafe", (name, info)
    assert set(sys.modules) - modules_before == set()


def test_reasons_name_what_would_run() -> None:
    assert read_dill_bytes(payloads.LIVE["os_system"]).reason == "calls os.system at load time"
    assert "_eval_repr" in (read_dill_bytes(payloads.LIVE["dill_eval_repr"]).reason or "")
    assert "os.system" in (read_dill_bytes(payloads.LIVE["dotted_global_scm_plams"]).reason or "")
    assert "persistent" in (read_dill_bytes(payloads.REFUSED["persid"]).reason or "")


def test_a_class_attribute_may_be_named_and_bound_but_not_called() -> None:
    """PLAMS 2024 Molecules keep ``MethodType(Molecule.from_array, mol)``: naming and binding run nothing."""
    from fixtures.hostile.payloads import call, glob, pickle_of, text

    method = glob("scm.plams.mol.molecule", "Molecule.from_array")
    bound = call(glob("types", "MethodType"), method, call(glob("builtins", "list")))
    named = read_dill_bytes(pickle_of(bound))
    assert named.verdict == "corrupt" and "not a job" in (named.reason or "")  # not unsafe: nothing ran
    assert read_dill_bytes(pickle_of(call(bound, text("x")))).verdict == "unsafe"  # calling it would run it
    assert read_dill_bytes(pickle_of(call(method, text("x")))).verdict == "unsafe"
    walked = read_dill_bytes(pickle_of(glob("scm.plams.core.functions", "os.system")))
    assert walked.verdict == "unsafe" and "walks attributes" in (walked.reason or "")  # a module's attribute


# --------------------------------------------------------------------------------------
# Broken files, caps, missing files
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(payloads.CORRUPT))
def test_not_a_job_pickle_is_corrupt(name: str) -> None:
    info = read_dill_bytes(payloads.CORRUPT[name])
    assert info.verdict == "corrupt", (name, info)
    assert info.reason


@pytest.fixture(scope="module")
def real_dill(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real PLAMS 2026 job pickle (a by-value ShJob)."""
    workdir, _ = run_zoo(peer_python("2026.104"), "scm.plams", tmp_path_factory.mktemp("one"))
    return workdir / "opt" / "opt.dill"


def test_truncated_and_garbage_files_are_corrupt(real_dill: Path, tmp_path: Path) -> None:
    data = real_dill.read_bytes()
    half = tmp_path / "half.dill"
    half.write_bytes(data[: len(data) // 2])
    assert read_dill(half).verdict == "corrupt"
    for cut in range(1, len(data) - 1, 97):  # no prefix of a good pickle is taken for a job
        assert read_dill_bytes(data[:cut]).verdict == "corrupt", cut
    garbage = tmp_path / "garbage.dill"
    garbage.write_bytes(random.Random(7).randbytes(4096))
    assert read_dill(garbage).verdict == "corrupt"
    empty = tmp_path / "empty.dill"
    empty.write_bytes(b"")
    assert read_dill(empty) == DillInfo(
        "corrupt",
        "empty file",
        None,
        None,
        False,
        None,
        None,
        (),
        None,
        {},
        (),
        0,
        empty.stat().st_mtime_ns,
        empty.stat().st_ino,
    )
    number = tmp_path / "int.dill"
    number.write_bytes(pickle.dumps(42))
    assert read_dill(number).verdict == "corrupt"


def test_missing_file_directory_and_size_cap(real_dill: Path, tmp_path: Path) -> None:
    missing = read_dill(tmp_path / "nothing" / "x.dill")
    assert (missing.verdict, missing.reason, missing.size, missing.mtime_ns, missing.inode) == (
        "missing",
        None,
        0,
        0,
        0,
    )
    assert read_dill(tmp_path).verdict == "corrupt"
    capped = read_dill(real_dill, max_bytes=1000)
    assert capped.verdict == "unsafe" and "larger than" in (capped.reason or "")
    assert capped.size == real_dill.stat().st_size
    assert read_dill(real_dill, max_bytes=real_dill.stat().st_size).verdict == "ok"


# Run in a child whose address space is capped: a regression fails there (MemoryError, or
# the verdict is wrong) instead of taking GiBs of a machine others use.
BOUNDED_READER = textwrap.dedent(
    """
    import json, resource, sys
    limit = int(sys.argv[1]) * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from plams_core.pickles.reader import read_dill, read_dill_summary
    out = {}
    for path in sys.argv[2:]:
        info = read_dill(path)
        out[path] = [info.verdict, info.reason, list(read_dill_summary(path)[:2])]
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))
    """
)


def _memo_bombs() -> dict[str, bytes]:
    """Files that store into a memo slot far beyond their length (each a few bytes)."""
    job = pickle.dumps(FakeJob("opt", {"keep": "all"}), protocol=4)
    body = b"\x8c\x05rrrrr\x94" + b"r" + struct.pack("<I", 2**28) + b"."  # 'r' in a string is no opcode
    return {
        "long_binput_2_28": b"\x80\x04Nr" + struct.pack("<I", 2**28) + b".",  # the 9 bytes of issue 8
        "long_binput_2_26": b"\x80\x04Nr" + struct.pack("<I", 2**26) + b".",
        "put_2_28": b"Np268435456\n.",  # protocol 0 spelling
        "binput": b"\x80\x02Nq\xff.",  # one byte of index: harmless, but beyond the file all the same
        "after_memoize_in_a_frame": b"\x80\x04\x95" + struct.pack("<Q", len(body)) + body,
        "inside_a_job": job[:-1] + b"r" + struct.pack("<I", 2**28) + b".",  # a job pickle otherwise
    }


def test_a_memo_index_beyond_the_file_is_unsafe_and_read_in_bounded_memory(tmp_path: Path) -> None:
    files = {}
    for name, data in _memo_bombs().items():
        files[name] = tmp_path / f"{name}.dill"
        files[name].write_bytes(data)
    # Many memo slots, honestly numbered (LONG_BINPUT past 256 in protocol 2, MEMOIZE in 4): ok.
    many = FakeJob("many", {"keep": [f"file_{i}.out" for i in range(600)]})
    for protocol in (2, 4):
        files[f"honest_{protocol}"] = tmp_path / f"honest_{protocol}.dill"
        files[f"honest_{protocol}"].write_bytes(pickle.dumps(many, protocol=protocol))
    proc = subprocess.run(
        [sys.executable, "-c", BOUNDED_READER, "768", *map(str, files.values())],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    for name in _memo_bombs():
        verdict, reason, summary = got[str(files[name])]
        assert verdict == "unsafe" and "memo slot" in reason and "no pickler writes" in reason, (name, reason)
        assert summary == [verdict, reason], name  # the listing says the same
    assert "4,096 MiB" in got[str(files["long_binput_2_28"])][1]  # says what a real load would take
    for protocol in (2, 4):
        assert got[str(files[f"honest_{protocol}"])][0] == "ok"
    assert got["maxrss_mb"] < 200


def test_the_memo_walk_knows_every_opcode_and_finds_what_genops_finds(zoo: tuple[str, Path, dict]) -> None:
    import pickletools

    from plams_core.pickles.reader import max_memo_index

    _, workdir, _ = zoo
    samples = [p.read_bytes() for p in sorted(workdir.rglob("*.dill"))]
    samples += [pickle.dumps(FakeJob("p", {"keep": list(range(300))}), protocol=p) for p in range(6)]
    samples += list(_memo_bombs().values())
    for data in samples:
        puts = [arg for op, arg, _ in pickletools.genops(data) if op.name in ("PUT", "BINPUT", "LONG_BINPUT")]
        assert max_memo_index(data) == max(puts, default=-1)
    # every opcode pickletools knows is walked over by its argument's size (unknown ones end the walk)
    from plams_core.pickles import reader

    special = {"BINPUT": reader._OP_BINPUT, "LONG_BINPUT": reader._OP_LONG_BINPUT, "PUT": reader._OP_PUT}
    by_arg = {-2: reader._ARG_LEN1, -3: reader._ARG_LEN4, -4: reader._ARG_LEN4, -5: reader._ARG_LEN8}
    for op in pickletools.opcodes:
        if op.name in special or op.name == "STOP":
            expected = special.get(op.name, reader._OP_END)
        elif op.arg is None or op.arg.n >= 0:
            expected = op.arg.n if op.arg else 0
        elif op.arg.n == pickletools.UP_TO_NEWLINE:
            expected = reader._ARG_LINES2 if op.arg.name == "stringnl_noescape_pair" else reader._ARG_LINE
        else:
            expected = by_arg[op.arg.n]
        assert reader._OPCODE_KINDS[ord(op.code)] == expected, op.name
    assert sum(k != reader._OP_END for k in reader._OPCODE_KINDS) == len(pickletools.opcodes) - 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_is_unreadable_not_corrupt(real_dill: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked.dill"
    locked.write_bytes(real_dill.read_bytes())
    locked.chmod(0)
    info = read_dill(locked)
    assert info.verdict == "unreadable" and "Permission denied" in (info.reason or "")


def test_nesting_deeper_than_max_depth_is_unsafe() -> None:
    nested: Any = "$JN.out"
    for _ in range(60):
        nested = [nested]
    data = pickle.dumps(FakeJob("deep", {"keep": nested}), protocol=4)
    assert read_dill_bytes(data).verdict == "ok"
    deep = read_dill_bytes(data, max_depth=20)
    assert deep.verdict == "unsafe" and "deeper than 20" in (deep.reason or "")


def test_reading_writes_nothing(real_dill: Path) -> None:
    folder = real_dill.parent
    before = {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.iterdir()}
    read_dill(real_dill)
    assert {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.iterdir()} == before


# --------------------------------------------------------------------------------------
# Legitimate values in every protocol
# --------------------------------------------------------------------------------------


def legit_values() -> dict[str, Any]:
    """Values a job may carry that dill pickles with REDUCE, NEWOBJ, BUILD or _eval_repr."""
    import collections
    import datetime
    import decimal
    import fractions
    import functools
    import pathlib
    import re
    import types
    import uuid

    np = pytest.importorskip("numpy")
    point = collections.namedtuple("point", "x y")
    return {
        "numpy": [
            np.arange(6.0).reshape(2, 3),
            np.float64(1.5),
            np.int64(3),
            np.dtype("f8"),
            np.array([{"a": 1}, None], dtype=object),
            np.zeros(2, dtype=[("a", "i4"), ("b", "f8")]),
        ],
        "collections": [
            collections.OrderedDict(a=1),
            collections.defaultdict(list, b=[1]),
            collections.deque([1, 2], maxlen=5),
            collections.Counter("aab"),
            point(1, 2),
        ],
        "time": [
            datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=-3))),
            datetime.date(2025, 1, 2),
            datetime.time(1, 2),
            datetime.timedelta(3),
        ],
        "paths": [pathlib.Path("/tmp/x"), pathlib.PurePosixPath("a/b"), pathlib.PureWindowsPath("c:/x")],
        "numbers": [fractions.Fraction(1, 3), decimal.Decimal("1.5"), 1 + 2j, 10**40, float("nan")],
        "singletons": [range(-5, 10, 2), Ellipsis, NotImplemented, type(None), int, slice(1, 2)],
        "misc": [
            uuid.UUID(int=5),
            re.compile("a+", re.I),
            types.SimpleNamespace(a=1),
            frozenset({1, 2}),
            {3},
            bytearray(b"xy"),
            functools.partial(max, 1, key=None),
            staticmethod(len),
        ],
        "functions": [lambda x: x + 1, legit_values],
    }


@pytest.mark.parametrize("protocol", range(6))
@pytest.mark.parametrize(
    "group", ["numpy", "collections", "time", "paths", "numbers", "singletons", "misc", "functions"]
)
def test_legit_values_are_ok_in_every_protocol(group: str, protocol: int) -> None:
    dill = pytest.importorskip("dill")
    job = FakeJob("values", {"keep": "all"})
    job.values = legit_values()[group]  # type: ignore[attr-defined]
    info = read_dill_bytes(dill.dumps(job, protocol=protocol))
    assert info.verdict == "ok", info.reason
    assert info.name == "values"


@pytest.mark.parametrize("protocol", range(6))
def test_real_job_repickled_in_every_protocol(protocol: int, real_dill: Path, tmp_path: Path) -> None:
    out = tmp_path / "job.dill"
    script = "import sys, dill\njob = dill.load(open(sys.argv[1], 'rb'))\ndill.dump(job, open(sys.argv[2], 'wb'), protocol=int(sys.argv[3]))\n"
    proc = subprocess.run(
        [sys.executable, "-c", script, str(real_dill), str(out), str(protocol)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    original, repickled = read_dill(real_dill), read_dill(out)
    assert repickled.verdict == "ok", repickled.reason
    for field in (
        "class_name",
        "class_module",
        "by_value",
        "name",
        "status",
        "status_log",
        "path",
        "settings",
    ):
        assert getattr(repickled, field) == getattr(original, field), field


# --------------------------------------------------------------------------------------
# The sibling fast path (plams_core.pickles.templates): the same answers as the full reader
# --------------------------------------------------------------------------------------


def _full(path: Path | bytes) -> tuple[Any, ...]:
    info = read_dill_bytes(path) if isinstance(path, bytes) else read_dill(path, timeline=False)
    return (info.verdict, info.reason, info.class_name, info.status, info.children)


@pytest.fixture
def templates(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fresh set of templates for this test (they are per process otherwise)."""
    from plams_core.pickles import reader as dillreader
    from plams_core.pickles.templates import DillTemplates

    fresh = DillTemplates(dillreader._load_for_template)
    monkeypatch.setattr(dillreader, "_templates", fresh)
    return fresh


def _summary(data: bytes, tmp_path: Path) -> tuple[Any, ...]:
    from plams_core.pickles.reader import read_dill_summary

    path = tmp_path / "x.dill"
    path.write_bytes(data)
    return read_dill_summary(path)


def test_summary_of_every_real_pickle_is_the_full_readers(
    zoo: tuple[str, Path, dict], templates: Any
) -> None:
    from plams_core.pickles.reader import read_dill_summary

    _, workdir, _ = zoo
    paths = sorted(workdir.rglob("*.dill"))
    for _ in range(2):  # the second round answers siblings from templates made in the first
        for path in paths:
            assert read_dill_summary(path) == _full(path), path
    assert templates.hits > 0  # the fast path did answer: the zoo has several ShJobs


def test_summary_of_a_file_listed_as_regular_is_the_same(
    zoo: tuple[str, Path, dict], tmp_path: Path, templates: Any
) -> None:
    # a listing reads a .dill its scandir called regular without fstat first (perf): every
    # verdict must be the one of the checked read, whatever is there by then
    from plams_core.pickles.reader import read_dill_summary

    _, workdir, _ = zoo
    paths: list[Path] = sorted(workdir.rglob("*.dill"))[:6]
    for name, data in (("empty", b""), ("big", b"\x80\x04" + b"x" * 100_000), ("junk", b"not a pickle")):
        (tmp_path / f"{name}.dill").write_bytes(data)
        paths.append(tmp_path / f"{name}.dill")
    (tmp_path / "dir.dill").mkdir()
    os.mkfifo(tmp_path / "fifo.dill")
    locked = tmp_path / "locked.dill"
    locked.write_bytes(paths[0].read_bytes())
    locked.chmod(0)
    paths += [tmp_path / "dir.dill", tmp_path / "fifo.dill", locked, tmp_path / "gone.dill"]
    for path in paths:
        assert read_dill_summary(path, regular=True) == read_dill_summary(path), path


@pytest.mark.parametrize("version", [pytest.param("2024.107", marks=pytest.mark.plams2024), "2026.104"])
def test_ams_jobs_read_ok_and_their_siblings_come_from_templates(
    version: str, tmp_path: Path, templates: Any
) -> None:
    from plams_core.pickles.reader import read_dill_summary

    proc = run_script(peer_python(version), AMS_JOBS, cwd=tmp_path, args=[str(tmp_path), "8"])
    assert proc.returncode == 0, proc.stderr
    paths = sorted((tmp_path / "wd").glob("water_*/water_*.dill"))
    assert len(paths) == 8
    for path in paths:
        info = read_dill(path)
        assert (info.verdict, info.class_name, info.class_module, info.status) == (
            "ok",
            "AMSJob",
            "scm.plams.interfaces.adfsuite.ams",
            "successful",
        ), (path, info.reason)
        assert read_dill_summary(path) == _full(path)
    assert templates.hits == 7  # all but the first: coordinates and the task differ, but only as data


@pytest.mark.parametrize("version", [pytest.param("2024.107", marks=pytest.mark.plams2024), "2026.104"])
def test_ams_jobs_of_every_shape_read_ok(version: str, tmp_path: Path, templates: Any) -> None:
    from plams_core.pickles.reader import read_dill_summary

    proc = run_script(peer_python(version), AMS_JOBS, cwd=tmp_path, args=[str(tmp_path), "1", "variety"])
    assert proc.returncode == 0, proc.stderr
    got = {}
    for _ in range(2):
        for path in sorted((tmp_path / "wd").rglob("*.dill")):
            info = read_dill(path)
            assert info.verdict == "ok", (path.name, info.reason)
            assert read_dill_summary(path) == _full(path)
            got[path.stem] = (info.class_name, info.status, info.children)
    assert got == {
        "water_0": ("AMSJob", "successful", ()),
        "bonded": ("AMSJob", "successful", ()),
        "periodic": ("AMSJob", "successful", ()),
        "two_systems": ("AMSJob", "successful", ()),
        "multi": ("MultiJob", "successful", ("c0", "c1")),
        "c0": ("AMSJob", "copied", ()),  # same input as bonded
        "c1": ("AMSJob", "copied", ()),
    }


@pytest.mark.parametrize("version", [pytest.param("2024.107", marks=pytest.mark.plams2024), "2026.104"])
def test_reused_names_with_a_class_by_reference_are_answered_from_templates(
    version: str, tmp_path: Path, templates: Any
) -> None:
    from plams_core.pickles.reader import read_dill_summary

    proc = run_script(peer_python(version), REUSED_NAMES, cwd=tmp_path, args=[str(tmp_path), "20"])
    assert proc.returncode == 0, proc.stderr
    paths = sorted((tmp_path / "wd").glob("*/*.dill"))
    assert {"job0", "job0.002", "job1.007", "job2.006"} <= {p.parent.name for p in paths}
    statuses = set()
    for path in paths:
        info = read_dill(path)
        assert (info.verdict, info.class_name, info.class_module, info.by_value) == (
            "ok",
            "ShJob",
            "myjobs",
            False,
        )
        statuses.add(info.status)
    assert statuses == {"successful", "copied"}
    for _ in range(2):  # the second round: every file from a template, the lengths of its literals known
        for path in paths:
            assert read_dill_summary(path) == _full(path), path
    assert templates.hits >= 2 * len(paths) - 2  # all but the first of each template family
    assert sum(t.n_layouts for t in templates._templates) >= 2  # job0 and job0.002 differ in length


def _siblings(n: int) -> list[bytes]:
    statuses = ["successful", "crashed", "copied", "failed"]
    out = []
    for i in range(n):
        job = FakeJob(f"job_{i}" + "é" * (i % 3), {"keep": "all", "pickle": True})
        job.status = statuses[i % 4]
        job.path = f"/cluster/scratch/plams.{1000 + i}/job_{i}"
        job.files = [f"job_{i}.in", f"job_{i}.out"]  # type: ignore[attr-defined]
        job.energy = -76.0 - i / 100  # type: ignore[attr-defined]
        job.natoms = 3 + i % 2  # type: ignore[attr-defined]
        out.append(pickle.dumps(job, protocol=4))
    return out


def test_siblings_are_answered_from_a_template_with_their_own_status(templates: Any, tmp_path: Path) -> None:
    family = _siblings(40)
    for data in family:
        assert _summary(data, tmp_path) == _full(data)
    assert templates.hits == len(family) - 1  # all but the first, from which the template was made
    assert _summary(family[5], tmp_path)[3] == "crashed"


def test_siblings_of_one_length_with_literals_of_other_lengths_get_their_own_answers(
    templates: Any, tmp_path: Path
) -> None:
    def job(name: str, path: str, status: str) -> bytes:
        j = FakeJob(name, {"keep": "all"})
        j.path, j.status = path, status
        return pickle.dumps(j, protocol=4)

    first = job("job_1", "/scratch/job_1", "successful")
    _summary(first, tmp_path)  # the template
    # same length as each other, literals of other lengths: one layout each, never confused
    a = job("job_22", "/scratch/job_2", "successful")
    b = job("job_2", "/scratch/job_22", "successful")
    c = job("job_3", "/scratch/job_33", "registered")  # same lengths as b
    d = job("jo_\xe9", "/scratch/job_44", "successful")  # b's lengths in bytes, text not ASCII
    assert len(a) == len(b) == len(c) == len(d)
    for data in (a, b, c, d, a, b, c, d):
        assert _summary(data, tmp_path) == _full(data)
    assert templates.hits == 8
    assert templates._templates[0].n_layouts == 2  # a's and b's; c and d matched b's
    assert [_summary(x, tmp_path)[3] for x in (a, c, d)] == ["successful", "registered", "successful"]
    broken = d.replace("jo_\xe9".encode(), b"jo_\xff\xfe")  # invalid UTF-8 through b's layout
    assert _full(broken)[0] == "corrupt" and _summary(broken, tmp_path) == _full(broken)


def test_a_literal_used_as_a_key_or_name_is_pinned_through_any_reference() -> None:
    from plams_core.pickles.templates import _analyse

    shared = "x" * 5
    lits, _ = _analyse(pickle.dumps([shared, {"k": shared}], protocol=4))
    assert [(lit.value, lit.pinned) for lit in lits if lit.value == "xxxxx"] == [
        ("xxxxx", False)
    ]  # data twice
    lits, _ = _analyse(pickle.dumps([shared, {shared: 1}], protocol=4))
    assert [(lit.value, lit.pinned) for lit in lits if lit.value == "xxxxx"] == [
        ("xxxxx", True)
    ]  # then a key
    lits, _ = _analyse(pickle.dumps(["a" * 5, {"key": "value"}, ("t", "u")], protocol=4))
    assert {lit.value: lit.pinned for lit in lits} == {
        "aaaaa": False,
        "key": True,
        "value": False,
        "t": False,
        "u": False,
    }
    lits, _ = _analyse(pickle.dumps(FakeJob("n", {}), protocol=4))
    pinned = {lit.value for lit in lits if lit.pinned}
    assert {"FakeJob", "name", "settings"} <= pinned  # global names and dict keys never vary
    assert "n" not in pinned


class _ToTuple:
    """Pickles as ``tuple(items)``: its items reach a call."""

    def __init__(self, items: Any) -> None:
        self.items = items

    def __reduce__(self) -> Any:
        return (tuple, (self.items,))


class _FilledByAppends:
    """Pickles as ``list()`` then APPENDS: a call's result filled with data afterwards."""

    def __reduce__(self) -> Any:
        return (list, (), None, iter(["bbbbb"]))


def test_a_literal_that_reaches_a_call_through_containers_is_pinned() -> None:
    from plams_core.pickles.templates import _analyse

    lits, _ = _analyse(pickle.dumps({"k": _ToTuple(["aaaaa"]), "free": "ccccc"}, protocol=4))
    pinned = {lit.value: lit.pinned for lit in lits}
    assert (pinned["aaaaa"], pinned["ccccc"], pinned["k"], pinned["tuple"]) == (True, False, True, True)
    lits, _ = _analyse(pickle.dumps([_ToTuple(_FilledByAppends())], protocol=4))
    assert all(lit.pinned for lit in lits if lit.value == "bbbbb")  # stored into an object a call gets
    lits, _ = _analyse(pickle.dumps([_FilledByAppends()], protocol=4))
    assert not any(lit.pinned for lit in lits if lit.value == "bbbbb")  # ... and only then


def test_data_stored_through_a_dup_alias_is_pinned_when_the_object_reaches_a_call() -> None:
    from plams_core.pickles.templates import _analyse

    # EMPTY_LIST MEMOIZE DUP, APPENDS 'zzzzz' into the copy (left on the stack); then tuple(memo[0])
    data = (
        b"\x80\x04]\x94"
        + b"2"
        + b"(\x8c\x05zzzzz"
        + b"e"
        + b"cbuiltins\ntuple\n"
        + b"h\x00"
        + b"\x85"
        + b"R"
        + b"."
    )
    assert pickle.loads(data) == ("zzzzz",)  # a real load hands the literal to tuple()
    lits, _ = _analyse(data)
    assert [(lit.value, lit.pinned) for lit in lits] == [("zzzzz", True)]


def test_no_template_names_a_value_checked_global_in_any_spelling() -> None:
    from plams_core.pickles.templates import _analyse, _Unfit

    for data in (
        b"cdill.dill\n_create_namedtuple\n.",
        b"c__builtin__\nbytes\n.",
        b"\x80\x04\x8c\tdill.dill\x8c\n_eval_repr\x93.",
        b"cdill._dill\n_create_namedtuple\n.",
    ):
        with pytest.raises(_Unfit):
            _analyse(data)


def test_reader_and_templates_decide_by_the_one_allowlist() -> None:
    from plams_core.pickles import allowlist, reader, templates

    # every value-checked global is a call the reader allows (else listing it would mean nothing)
    assert allowlist.VALUE_CHECKED_GLOBALS <= set(reader._CALLS)
    assert {k for k, v in reader._CALLS.items() if v is reader._call_data} == allowlist.DATA_CONSTRUCTORS
    # a status enum value and a Settings class of each listed module are what the reader allows
    for module in allowlist.ENUM_MODULES:
        assert reader._find_class(module, "JobStatus")._label == f"{module}.JobStatus"
        assert type(reader._find_class(module, "JobStatus")).__call__ is reader._call_enum
    for module in allowlist.SETTINGS_MODULES:
        assert issubclass(reader._find_class(module, "Settings"), reader._SettingsDict)
    # and neither holds a list of names of its own: every set or mapping of names is the allowlist's
    shared = {id(v) for v in vars(allowlist).values()}
    not_names = {"_SLOT_OPS", "_TEXT_OPS", "_CALLS", "_GLOBALS", "_METAS", "_POOL", "_NO_DENY"}
    not_names |= {"_LOCK_ARG_TYPES", "_PLAIN_TYPES"}  # opcodes, handlers, caches, Python types
    for module in (reader, templates):
        own = {
            n
            for n, v in vars(module).items()
            if isinstance(v, (frozenset, set, dict)) and n.lstrip("_").isupper() and id(v) not in shared
        }
        assert own <= not_names, own


@contextlib.contextmanager
def _address_space_cap(extra: int) -> Iterator[None]:
    """Cap this process's address space at its current size plus *extra* bytes, for a block."""
    import resource

    size = next(
        int(line.split()[1]) * 1024
        for line in Path("/proc/self/status").read_text().splitlines()
        if line.startswith("VmSize:")
    )
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = size + extra if hard == resource.RLIM_INFINITY else min(size + extra, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def test_every_mutation_of_a_sibling_gets_the_full_readers_answer(templates: Any, tmp_path: Path) -> None:
    family = _siblings(3)
    _summary(family[0], tmp_path)  # the template
    sibling = family[1]
    assert _summary(sibling, tmp_path) == _full(sibling) and templates.hits == 1
    assert templates._templates[0].n_layouts == 1  # mutants of its length are checked in one comparison
    from plams_core.pickles.reader import max_memo_index

    rng = random.Random(11)
    bombs = 0
    # A byte turned into LONG_BINPUT used to make the unpickler take GiBs per mutant (18 GB for
    # the test): under a cap of 1 GiB more than now, such a regression fails here at once.
    with _address_space_cap(2**30):
        for pos in range(len(sibling)):  # every byte, a few values each: changed constants never match
            for value in {sibling[pos] ^ 1, sibling[pos] ^ 0x80, rng.randrange(256)}:
                mutant = sibling[:pos] + bytes([value]) + sibling[pos + 1 :]
                answer = _summary(mutant, tmp_path)
                assert answer == _full(mutant), (pos, value)
                if max_memo_index(mutant) >= len(mutant):
                    bombs += 1
                    assert answer[0] == "unsafe" and "memo slot" in (answer[1] or ""), (pos, value, answer)
    assert bombs >= 2  # such mutants are among them (the ones that took GiBs)


def test_bad_utf8_in_a_data_literal_is_corrupt_as_in_the_full_reader(templates: Any, tmp_path: Path) -> None:
    family = _siblings(2)
    _summary(family[0], tmp_path)
    broken = family[1].replace(b"job_1", b"\xff\xfe\xfd\xfc\xfb")
    assert _full(broken)[0] == "corrupt"
    assert _summary(broken, tmp_path) == _full(broken)


def test_hostile_payloads_stay_unsafe_with_templates_learnt(
    zoo: tuple[str, Path, dict],
    hostile: dict[str, bytes],
    templates: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from plams_core.pickles.reader import read_dill_summary

    _, workdir, _ = zoo
    for path in sorted(workdir.rglob("*.dill")):
        read_dill_summary(path)
    assert templates._templates  # real job pickles were learnt
    monkeypatch.chdir(tmp_path)
    installed = {**payloads.fd_closers(VICTIM_FD), **payloads.REFUSED_INSTALLED}
    for name, data in {**hostile, **installed}.items():
        assert _summary(data, tmp_path)[0] == "unsafe", name
    gc.collect()
    time.sleep(0.05)
    assert not (tmp_path / CANARY).exists()


# --------------------------------------------------------------------------------------
# Installed classes that act on the file's state (the audit in plams_core.pickles.allowlist)
# --------------------------------------------------------------------------------------

FD_LOADER = textwrap.dedent(
    """
    import gc, os, sys
    {prelude}
    import dill
    fd = int(sys.argv[2])
    os.dup2(os.open(os.devnull, os.O_RDONLY), fd)
    try:
        obj = dill.loads(open(sys.argv[1], "rb").read())
        print("loaded", type(obj).__module__, type(obj).__name__)
        del obj
    except BaseException as exc:
        print(type(exc).__name__, exc)
    gc.collect()
    try:
        os.fstat(fd)
        print("fd open")
    except OSError:
        print("fd closed")
    """
)
VICTIM_FD = 77


@pytest.mark.parametrize("prelude", ["", "import scm.plams"], ids=["dill", "with-real-plams"])
@pytest.mark.parametrize("name", list(payloads.fd_closers(VICTIM_FD)))
def test_job_manager_payload_closes_a_descriptor_when_really_loaded(
    name: str, prelude: str, tmp_path: Path
) -> None:
    """Guards the test below: a plain dill.loads (also in a process that imported real PLAMS)
    builds plams_core's JobManager, whose __del__ closes the descriptor the file names."""
    pickled = tmp_path / f"{name}.dill"
    pickled.write_bytes(payloads.fd_closers(VICTIM_FD)[name])
    proc = subprocess.run(
        [sys.executable, "-c", FD_LOADER.format(prelude=prelude), str(pickled), str(VICTIM_FD)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "loaded plams_core.jobmanager JobManager" in proc.stdout, proc.stdout + proc.stderr
    assert "fd closed" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.parametrize("name", list(payloads.fd_closers(VICTIM_FD)))
def test_job_manager_payload_is_unsafe_and_closes_nothing(name: str, tmp_path: Path) -> None:
    from plams_core.errors import UnsafePickleError
    from plams_core.pickles.loader import load_dill

    victim = os.open(os.devnull, os.O_RDONLY)
    try:
        pickled = tmp_path / "job.dill"
        pickled.write_bytes(payloads.fd_closers(victim)[name])
        modules_before = set(sys.modules)
        info = read_dill(pickled)
        assert info.verdict == "unsafe", info
        assert "JobManager" in (info.reason or "") and "__del__" in (info.reason or "")
        assert set(sys.modules) - modules_before == set()
        with pytest.raises(UnsafePickleError):
            load_dill(pickled)
        gc.collect()
        os.fstat(victim)  # still open: raises OSError if anything closed it
    finally:
        os.close(victim)


@pytest.mark.parametrize("name", list(payloads.REFUSED_INSTALLED))
def test_installed_classes_that_act_on_their_state_are_unsafe(name: str) -> None:
    modules_before = set(sys.modules)
    info = read_dill_bytes(payloads.REFUSED_INSTALLED[name])
    assert info.verdict == "unsafe", (name, info)
    assert set(sys.modules) - modules_before == set()


class JobMonitor:
    """Same length as ``JobManager``: a sibling that differs only in the class's name."""


def test_a_sibling_naming_the_job_manager_gets_the_full_readers_answer(
    templates: Any, tmp_path: Path
) -> None:
    job = FakeJob("job_1", {"keep": "all"})
    monitor = JobMonitor()
    monitor._lock_fd = 5  # type: ignore[attr-defined]
    job.manager = monitor  # type: ignore[attr-defined]
    ok = pickle.dumps(job, protocol=4)
    assert _summary(ok, tmp_path) == _full(ok) and _full(ok)[0] == "ok"
    assert _summary(ok.replace(b"job_1", b"job_2"), tmp_path)[0] == "ok"
    assert templates.hits == 1  # the template is live for this family
    hostile = ok.replace(b"JobMonitor", b"JobManager")
    assert len(hostile) == len(ok)
    assert _summary(hostile, tmp_path) == _full(hostile)
    assert _full(hostile)[0] == "unsafe"


# What a class may define that runs when a pickle creates it without __init__, sets its state,
# fills it, uses it as a dict key or collects it.
_LOAD_HOOKS = (
    "__new__",
    "__del__",
    "__setstate__",
    "__setattr__",
    "__getattr__",
    "__getattribute__",
    "__setitem__",
    "append",
    "extend",
    "add",
    "__init_subclass__",
)


def _installed_classes(package: str) -> dict[tuple[str, str], type]:
    import importlib
    import inspect
    import pkgutil
    import warnings

    found: dict[tuple[str, str], type] = {}
    root = importlib.import_module(package)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        modules = [root]
        for info in pkgutil.walk_packages(root.__path__, package + "."):
            if ".tests" in info.name or "unit_test" in info.name:
                continue
            try:
                modules.append(importlib.import_module(info.name))
            except Exception:  # optional dependencies (ase, rdkit, ...) missing: not loadable by PLAMS either
                continue
    for module in modules:
        for obj in vars(module).values():
            if inspect.isclass(obj) and obj.__module__.startswith(package):
                found[(obj.__module__, obj.__qualname__)] = obj
    return found


def _hooks_of(cls: type) -> set[str]:
    hooks = set()
    for hook in _LOAD_HOOKS:
        for klass in cls.__mro__:
            if hook in vars(klass):
                if klass.__module__ in ("builtins", "abc", "typing", "enum", "collections.abc", "numpy"):
                    break
                hooks.add(hook)
                break
    return hooks


@pytest.mark.parametrize("package", ["plams_core", "scm.plams"])
def test_every_hooked_installed_class_is_refused_or_vetted(package: str) -> None:
    """Re-runs the audit of plams_core.pickles.allowlist on the installed packages: a class whose
    instances run code when built, given state or collected is refused by the reader, or its
    __setstate__ was vetted (and a state that is not a dict is unsafe), or it is a Settings class
    (filled as a dict), an enum (a lookup) or a Results class (__init_subclass__ only wraps)."""
    from plams_core.pickles.allowlist import (
        HOOKED_CLASSES,
        PLAMS_CORE_CLASS_MODULES,
        VETTED_STATE,
        is_settings_class,
    )

    unaudited = []
    for (module, qualname), cls in sorted(_installed_classes(package).items()):
        hooks = _hooks_of(cls)
        if not qualname.isidentifier():
            continue  # the reader's own stub classes: not nameable in a pickle
        if (
            not hooks
            or "." in qualname
            or (package == "plams_core" and module not in PLAMS_CORE_CLASS_MODULES)
        ):
            if hooks and "." not in qualname:
                info = read_dill_bytes(payloads.pickle_of(payloads.glob(module, qualname) + b")\x81."))
                assert info.verdict == "unsafe", (module, qualname, info)
            continue
        if is_settings_class(module, qualname) or issubclass(cls, __import__("enum").Enum):
            continue
        if hooks == {"__init_subclass__"} and qualname.endswith("Results") or qualname == "ApplyRestrict":
            continue
        made = payloads.glob(module, qualname) + b")\x81"
        if qualname in HOOKED_CLASSES:
            ops, _ = HOOKED_CLASSES[qualname]
            # NEWOBJ, then the refused operation on the object (SETITEM, APPEND)
            fill = {
                "new": b"",
                "setitem": payloads.text("k") + payloads.integer(1) + b"s",
                "append": b"K\x01a",
            }
            filled = made + fill["new" if "new" in ops else min(ops)]
            assert read_dill_bytes(payloads.pickle_of(filled)).verdict == "unsafe", (module, qualname)
        elif qualname in VETTED_STATE:
            built = made + payloads.glob("myjobs", "Thing") + b")\x81b"
            assert read_dill_bytes(payloads.pickle_of(built)).verdict == "unsafe", (module, qualname)
        else:
            unaudited.append(f"{module}.{qualname}: {sorted(hooks)}")
    assert unaudited == []
