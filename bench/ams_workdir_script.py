"""The PLAMS script behind `bench/make_workdir.py --kind ams`: N AMS jobs run by the real PLAMS.

Usage: python ams_workdir_script.py PARENT FOLDER N SEED MANIFEST_JSON [ATOMS]

Each job is PLAMS's own AMSJob on a molecule of ATOMS atoms (default 200, as in the figure
of PLAMS_NOTES.md: ~6 ms per job for load_all) whose coordinates differ from job to job
(seeded), alternating SinglePoint and GeometryOptimization. AMS is not installed here: a
fake ``$AMSBIN/ams`` exits 0 and ``AMSJob.check`` is made to pass, so PLAMS finishes every
job as successful and pickles it as after a real run (AMSJob, Molecule, Atom, AMSResults by
reference; no .rkf files, which load_all does not read anyway).
"""

from __future__ import annotations

import json
import os
import random
import stat
import sys
from pathlib import Path

parent, folder, n_jobs, seed, manifest = (
    sys.argv[1],
    sys.argv[2],
    int(sys.argv[3]),
    int(sys.argv[4]),
    sys.argv[5],
)
n_atoms = int(sys.argv[6]) if len(sys.argv) > 6 else 200
fake_bin = Path(parent).resolve() / f"{folder}.fake_amsbin"
fake_bin.mkdir(parents=True, exist_ok=True)
(fake_bin / "ams").write_text("#!/bin/sh\necho 'NORMAL TERMINATION'\n")
(fake_bin / "ams").chmod(0o755 | stat.S_IXUSR)
os.environ["AMSBIN"] = str(fake_bin)

from scm.plams import AMSJob, Atom, JobRunner, Molecule, Settings, config, finish, init  # noqa: E402

AMSJob.check = lambda self: True  # no ams.rkf without AMS: the run counts as successful
init(path=parent, folder=folder, quiet=True)
config.log.stdout = 0
config.default_jobrunner = JobRunner(parallel=True, maxjobs=2)
rng = random.Random(seed)
base = [
    (rng.choice("CHNO"), rng.uniform(-8, 8), rng.uniform(-8, 8), rng.uniform(-8, 8)) for _ in range(n_atoms)
]
jobs = []
for i in range(n_jobs):
    mol = Molecule()
    for symbol, x, y, z in base:
        mol.add_atom(Atom(symbol=symbol, coords=(x + rng.gauss(0, 0.05), y + rng.gauss(0, 0.05), z)))
    s = Settings()
    s.input.ams.Task = "GeometryOptimization" if i % 2 else "SinglePoint"
    s.input.dftb.Model = "GFN1-xTB"
    jobs.append(AMSJob(molecule=mol, settings=s, name=f"conf_{i}"))
results = [job.run() for job in jobs]
for r in results:
    r.wait()
finish()
statuses: dict[str, int] = {}
for job in jobs:
    statuses[str(job.status)] = statuses.get(str(job.status), 0) + 1
with open(manifest, "w") as f:
    json.dump(
        {
            "jobs": n_jobs,
            "top_level": n_jobs,
            "atoms": n_atoms,
            "statuses": statuses,
            "dill_files": sum(1 for j in jobs if os.path.exists(os.path.join(j.path, j.name + ".dill"))),
        },
        f,
    )
