"""The actions the app offers on jobs, as data: key, wording, and the Workdir methods behind them.

Nothing is reimplemented here: every action is a ``plan_*`` method of
:class:`plams_core.workdir.Workdir` (writes nothing, says what would happen) and the method that
does exactly that plan. :func:`describe_plan` turns a plan into the text of the confirmation
(every job, file and the bytes; names escaped). An action whose methods are not in the
installed core yet shows "not available yet" instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from plams_core.workdir import Workdir
from rich.text import Text

from .text import human_bytes, safe

__all__ = ["Action", "ACTIONS", "describe_plan", "available"]


@dataclass(frozen=True)
class Action:
    """One action on the selected (or marked) jobs."""

    name: str  # also the screen's action name: action_<name>
    key: str
    label: str  # footer / palette
    help: str  # one line for the palette and help
    plan: str | None  # Workdir method that plans (None: no plan, e.g. load)
    apply: str  # Workdir method that acts
    verb: str  # the confirm button
    takes_jobs: bool = True


ACTIONS: tuple[Action, ...] = (
    Action(
        "load",
        "L",
        "Load",
        "Load the job's .dill into the embedded JobManager and show it",
        None,
        "load",
        "Load",
    ),
    Action(
        "repickle",
        "P",
        "Repickle",
        "Write the .dill again (atomic; the old bytes kept beside it)",
        "plan_repickle",
        "repickle",
        "Repickle",
    ),
    Action(
        "remove",
        "d",
        "Remove",
        "remove_job: the next restart reruns the job (nothing deleted)",
        "plan_remove",
        "remove",
        "Remove from rerun prevention",
    ),
    Action(
        "undo_remove",
        "u",
        "Undo remove",
        "Put removed jobs back exactly as they were",
        "plan_undo_remove",
        "undo_remove",
        "Undo remove",
    ),
    Action(
        "clean",
        "c",
        "Clean",
        "Delete the files PLAMS's cleaning would delete (each job's save setting)",
        "plan_clean",
        "clean",
        "Delete files",
    ),
    Action(
        "restart",
        "r",
        "Restart",
        "Rerun the script with rerun prevention (plams -r) in a subprocess",
        "plan_restart",
        "start_restart",
        "Restart",
        takes_jobs=False,
    ),
)


def available(workdir: Workdir, action: Action) -> bool:
    """Whether the installed core has this action's methods."""
    return all(hasattr(workdir, m) for m in (action.plan, action.apply) if m)


def _items(t: Text, title: str, items: Sequence[Any], limit: int = 200) -> None:
    t.append(f"\n{title} ({len(items)}):\n", style="bold")
    for item in items[:limit]:
        if isinstance(item, dict):
            t.append("  " + "  ".join(safe(str(v)) for v in item.values()) + "\n")
        elif isinstance(item, list | tuple):
            t.append("  " + "  ->  ".join(safe(str(x)) for x in item) + "\n")
        else:
            t.append("  " + safe(str(item)) + "\n")
    if len(items) > limit:
        t.append(f"  ... and {len(items) - limit} more\n", style="dim")


def describe_plan(plan: Any) -> Text:
    """The confirmation text of any plan: every list it holds, item by item, and the bytes."""
    data = plan.to_dict() if hasattr(plan, "to_dict") else dict(vars(plan))
    t = Text()
    for key, value in data.items():
        if key == "bytes" and isinstance(value, int):
            t.append(f"\nbytes freed: {human_bytes(value)} ({value:,} bytes)\n", style="bold")
        elif isinstance(value, list | tuple):
            if value:
                _items(t, key.replace("_", " "), list(value))
            elif key in ("jobs", "files"):
                t.append(f"\n{key}: none\n", style="dim")
        elif isinstance(value, dict):
            t.append(f"\n{key}:\n", style="bold")
            for k, v in value.items():
                t.append(f"  {safe(str(k))}: {safe(str(v))}\n")
        elif value not in (None, ""):
            t.append(f"{key.replace('_', ' ')}: {safe(str(value))}\n")
    return t
