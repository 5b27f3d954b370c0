"""The actions the app offers on jobs, as data: key, wording, and the Workdir methods behind them.

Nothing is reimplemented here: every action is a ``plan_*`` method of
:class:`plams_core.workdir.Workdir` (writes nothing, says what would happen) and the method that
does exactly that plan. :func:`describe_plan` turns a plan into the text of the confirmation
(every job, file and the bytes; names escaped). An action whose methods are not in the
installed core yet shows "not available yet" instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from plams_core.workdir import Workdir

from .plans import PlanText

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
    Action(
        "rollback",
        "R",
        "Rollback",
        "Put the folder back as it was before an unfinished restart (restart --rollback)",
        "plan_rollback",
        "rollback",
        "Roll back",
        takes_jobs=False,
    ),
)


def available(workdir: Workdir, action: Action) -> bool:
    """Whether the installed core has this action's methods."""
    return all(hasattr(workdir, m) for m in (action.plan, action.apply) if m)


def describe_plan(action: str, plan: Any, root: str) -> PlanText:
    """The confirmation of *action*'s *plan* in words (:mod:`plams_tui.plans`, shared with the CLI)."""
    from . import plans

    if action in ("remove", "undo_remove"):
        return plans.describe_remove(plan, root)
    if action == "repickle":
        return plans.describe_repickle(plan, root)
    if action == "clean":
        return plans.describe_clean(plan, root)
    if action == "restart":
        return plans.describe_restart(plan)
    if action == "rollback":
        return plans.describe_rollback(plan)
    raise ValueError(f"no words for the plan of {action!r}")
