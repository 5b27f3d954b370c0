"""What a plan will do, in words: the one place plans become text, for the CLI and the app alike.

Each ``describe_*`` takes a plan from :class:`plams_core.workdir.Workdir` (``plan_remove``,
``plan_undo_remove``, ``plan_repickle``, ``plan_clean``, ``plan_restart``, ``plan_rollback``)
and returns a :class:`PlanText`: one counted sentence on what happens to which files or jobs,
the lists (every item, counted), notes, and whether and how it can be undone. The CLI prints
:meth:`PlanText.plain`; the app's confirmation modal shows :meth:`PlanText.rich` (scrollable).
Every name goes through :func:`plams_tui.text.safe`: names are data.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .text import safe

__all__ = [
    "PlanText",
    "Section",
    "describe_clean",
    "describe_loaded",
    "describe_remove",
    "describe_repickle",
    "describe_restart",
    "describe_rollback",
    "plural",
    "size_text",
]

#: items a modal lists per section before "... and N more" (the count in the heading is exact)
MODAL_LIMIT = 500


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 job``, ``2 jobs``."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def size_text(n: int) -> str:
    """Bytes as the CLI and the modals write them: ``512 bytes``, ``1.2 MiB``."""
    size = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"


def _columns(pairs: Iterable[tuple[str, str]], sep: str = "  ") -> tuple[str, ...]:
    """``left  right`` lines with the left side padded to one width (names escaped)."""
    rows = [(safe(a), safe(b)) for a, b in pairs]
    width = max((len(a) for a, _ in rows), default=0)
    return tuple(f"{a.ljust(width)}{sep}{b}" if b else a for a, b in rows)


@dataclass(frozen=True)
class Section:
    """A counted list: ``title (N):`` and one line per item (already escaped)."""

    title: str
    lines: tuple[str, ...]
    style: str = ""


@dataclass(frozen=True)
class PlanText:
    """A plan in words: *summary* (what happens, counted), *warning*, *undo*, *notes*, then the *sections*.

    The CLI and the modal say the same lines in the same order (the modal with blank lines
    between the parts and long lists cut, counted).
    """

    summary: str
    sections: tuple[Section, ...] = ()
    notes: tuple[str, ...] = ()
    undo: str = ""
    warning: str = ""  # a note that must stand out (refused, cannot start now)

    def plain(self, limit: int | None = None) -> str:
        """The text the CLI prints (every item unless *limit*), ending in a newline."""
        out = [self.summary]
        out += [line for line in (self.warning, self.undo, *self.notes) if line]
        for s in self.sections:
            if not s.lines:
                continue
            out.append(f"{s.title} ({len(s.lines):,}):")
            shown = s.lines if limit is None else s.lines[:limit]
            out += [f"  {line}" for line in shown]
            if len(shown) < len(s.lines):
                out.append(f"  ... and {len(s.lines) - len(shown):,} more")
        return "\n".join(out) + "\n"

    def rich(self, limit: int = MODAL_LIMIT) -> Any:
        """The modal's body: a :class:`rich.text.Text` (no markup parsed; long lists cut at *limit*, counted)."""
        from rich.text import Text

        t = Text()
        t.append(self.summary + "\n", style="bold")
        if self.warning:
            t.append("\n" + self.warning + "\n", style="bold red")
        if self.undo:
            t.append(
                "\n" + self.undo + "\n", style="yellow" if "cannot be undone" in self.undo.lower() else ""
            )
        for note in self.notes:
            t.append("\n" + note + "\n", style="dim")
        for s in self.sections:
            if not s.lines:
                continue
            t.append(f"\n{s.title} ({len(s.lines):,}):\n", style="bold underline")
            for line in s.lines[:limit]:
                t.append(f"  {line}\n", style=s.style)
            if len(s.lines) > limit:
                t.append(f"  ... and {len(s.lines) - limit:,} more (the CLI lists every one)\n", style="dim")
        return t


# ------------------------------------------------------------------------------- rm


def describe_remove(plan: Any, workdir: str = "WORKDIR") -> PlanText:
    """`rm` (``plan_remove``) or `rm --undo` (``plan_undo_remove``): the renames, per job why, how to undo."""
    n = len(plan.jobs)
    command = shlex.join(["plams-tui", "rm", workdir, *plan.jobs[:3]]) + (f" ... ({n} jobs)" if n > 3 else "")
    if plan.undo:
        summary = (
            f"Put {plural(n, 'job')} back into rerun prevention: each $JN.removed.dill is renamed back "
            "to $JN.dill, so the next restart reuses the job."
        )
        undo = f"Undo: d in the app, or {safe(command)} (renames them aside again)."
    else:
        summary = (
            f"Take {plural(n, 'job')} out of rerun prevention: each $JN.dill is renamed $JN.removed.dill "
            "(nothing is deleted), so the next restart reruns the job."
        )
        undo = f"Undo: u in the app, or {safe(command)} --undo (renames them back)."
    why = [(j, "named" if r == "named" else r) for j, r in plan.why]
    renames = [(src, "-> " + dst.rpartition("/")[2]) for src, dst in plan.renames]
    skipped = [(j, r) for j, r in plan.skipped]
    return PlanText(
        summary=summary if n else "Nothing to rename.",
        sections=(
            Section("Jobs, and why each goes", _columns(why)),
            Section("Renames, nothing deleted", _columns(renames, " ")),
            Section("Nothing to do for", _columns(skipped), style="dim"),
        ),
        undo=undo if n else "",
    )


# ------------------------------------------------------------------------------- repickle


def describe_repickle(plan: Any, workdir: str = "WORKDIR") -> PlanText:
    """`repickle`: which ``.dill`` files are written again, where the old bytes go, how to undo."""
    n = len(plan.jobs)
    summary = (
        f"Write {plural(n, '.dill file')} again (load, then an atomic write under the classes' original "
        "names); the old bytes of each are kept beside it."
    )
    return PlanText(
        summary=summary if n else "Nothing to repickle.",
        sections=(
            Section("Written again", _columns((d, f"(old bytes kept as {b})") for d, b in plan.backups)),
            Section("Refused (left as they are)", _columns(plan.refused), style="red"),
        ),
        undo=(
            "Undo: rename $JN.prev.dill back to $JN.dill (one generation is kept: a second repickle "
            "replaces it)."
            if n
            else ""
        ),
    )


# ------------------------------------------------------------------------------- clean


def describe_clean(plan: Any, workdir: str = "WORKDIR") -> PlanText:
    """`clean`: every file deleted, the bytes, the folders emptied, per job the keep/save applied."""
    n = len(plan.files)
    summary = f"Delete {plural(n, 'file')} ({size_text(plan.bytes)} freed)"
    if plan.jobs:
        summary += f" of {plural(len(plan.jobs), 'job')}"
    if plan.folders:
        summary += f", then {plural(len(plan.folders), 'folder')} this leaves empty"
    summary += ", as PLAMS's keep/save cleaning would. .dill files are never deleted."
    return PlanText(
        summary=summary if n else "Nothing to delete: every file is kept by the jobs' keep/save settings.",
        sections=(
            Section("Files deleted", tuple(safe(f) for f in plan.files)),
            Section("Folders removed once empty", tuple(safe(d) + "/" for d in plan.folders)),
            Section("Jobs and the keep/save applied", _columns(plan.jobs)),
            Section("Skipped", _columns(plan.skipped), style="dim"),
        ),
        undo="This cannot be undone: the files are deleted, not moved." if n else "",
    )


# ------------------------------------------------------------------------------- restart


def describe_restart(plan: Any) -> PlanText:
    """`restart`: where and with which script, per job reuse or rerun and why, what happens to the folder."""
    name = safe(os.path.basename(plan.workdir))
    engine = "real PLAMS (scm.plams)" if plan.engine == "plams" else "plams_core"
    if plan.into:
        where = f"into the new folder {safe(plan.into)}, loading the jobs of {safe(plan.sources[0])}"
        undo = (
            f"{safe(os.path.basename(plan.sources[0]))} is left as it is; the run writes only into "
            f"{safe(plan.into)}. x cancels it (what finished stays)."
        )
    else:
        where = f"in place ({safe(plan.workdir)})"
        undo = (
            f"{name} is moved aside to {name}.res while the script runs in a fresh {name}; .res is "
            f"deleted when the script ends without error, and with it every job the script does not run "
            "again (as PLAMS's -r does: a script that makes fewer jobs keeps fewer). x cancels (what finished stays, the next restart "
            f"resumes); until it ends, plams-tui restart {name} --rollback (R in the app) puts the folder "
            "back as it was."
        )
    n_re, n_use = len(plan.rerun), len(plan.reuse)
    summary = (
        f"Restart {where} with {safe(plan.script)} ({engine}): {n_use} to reuse, {n_re} to rerun "
        "(and any job the script adds)."
    )
    notes = []
    if len(plan.sources) > 1 or (plan.into is None and tuple(plan.sources) != (plan.workdir,)):
        notes.append("Loads jobs from: " + ", ".join(safe(os.path.basename(s)) for s in plan.sources))
    if plan.leftover:
        notes.append(f"Note: {safe(plan.leftover.message)}")
    if plan.variables:
        notes.append("Variables: " + ", ".join(f"{safe(k)}={safe(v)}" for k, v in plan.variables))
    return PlanText(
        summary=summary,
        sections=(
            Section("Rerun", _columns((j.path, j.reason) for j in plan.rerun), style="yellow"),
            Section("Reuse (results loaded, not run)", _columns((j.path, j.reason) for j in plan.reuse)),
        ),
        notes=tuple(notes),
        warning=f"Refused now: {safe(plan.blocked)}" if plan.blocked else "",
        undo=undo,
    )


def describe_rollback(plan: Any) -> PlanText:
    """`restart --rollback`: which stash becomes the folder again, which half-done folders are deleted."""
    name = safe(os.path.basename(plan.workdir))
    restore = safe(os.path.basename(plan.restore))
    return PlanText(
        summary=(
            f"Rollback: {restore} becomes {name} again (the folder as it was before the unfinished restart); "
            f"{plural(len(plan.discard), 'half-done folder')} deleted."
        ),
        sections=(Section("Deleted", tuple(safe(f) for f in plan.discard), style="red"),),
        undo="This cannot be undone: what the unfinished restart did in these folders is deleted.",
    )


# ------------------------------------------------------------------------------- load


def describe_loaded(data: dict[str, Any]) -> list[str]:
    """A loaded job (``LoadedJob.to_dict()``) as `plams-tui load` prints it, line by line (escaped)."""
    cls = f"{data['class']} ({data['module']}"
    if data.get("stand_in"):
        cls += ", a stand-in: its module is not imported here)"
    elif data.get("by_value"):
        cls += ", defined in the script: stored by value)"
    else:
        cls += ")"
    out = [
        f"{'name:':11}{safe(data['name'])}",
        f"{'path:':11}{safe(data['path'])}",
        f"{'status:':11}{data['status']}",
        f"{'class:':11}{safe(cls)}",
        f"{'hash:':11}{data['hash'] or '-'}",
    ]
    if data.get("children"):
        out.append(f"{'children:':11}{', '.join(safe(c) for c in data['children'])}")
    if data.get("stand_ins"):
        out.append(f"{'stand-ins:':11}{', '.join(safe(c) for c in data['stand_ins'])}")
    out.append("settings:")
    out += _tree(data.get("settings") or {}, 1) or ["  (none)"]
    out.append("files:")
    out += [f"  {safe(f)}" for f in data.get("files") or []] or ["  (none)"]
    out.append("python:")
    out += [f"  {safe(line)}" for line in str(data.get("python", "")).splitlines()]
    return out


def _tree(value: Any, indent: int) -> list[str]:
    pad = "  " * indent
    if isinstance(value, dict):
        out = []
        for key, sub in value.items():
            if isinstance(sub, dict) and sub:
                out.append(f"{pad}{safe(str(key))}:")
                out += _tree(sub, indent + 1)
            else:
                out.append(f"{pad}{safe(str(key))}: {'{}' if isinstance(sub, dict) else safe(repr(sub))}")
        return out
    return [pad + safe(repr(value))]
