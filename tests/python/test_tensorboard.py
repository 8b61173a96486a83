"""Training writes TensorBoard event files beside metrics.csv; TensorBoard's
own reader (EventAccumulator) reads back the same scalars."""
import csv
import math

import pytest

import rltool

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def test_training_writes_scalars_tensorboard_reads(tmp_path):
    out = tmp_path / "run"
    rltool.train("cartpole-v1", agent="ppo", steps=6000, seed=1, out=str(out), progress=False,
                 n_threads=1)
    files = list(out.glob("events.out.tfevents.*"))
    assert len(files) == 1
    acc = event_accumulator.EventAccumulator(str(out), size_guidance={"scalars": 0})
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    with open(out / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    assert rows
    columns = [c for c in rows[0] if c != "step"]
    # Every metrics.csv column with a value is a scalar tag (success_rate
    # only for tasks that define success; cartpole does not).
    expected = {c for c in columns if c != "success_rate"}
    assert expected <= tags, expected - tags
    # metrics.csv rounds: wall_time %.3f, steps_per_sec %.1f, the rest %.6g.
    abs_tol = {"wall_time": 6e-4, "steps_per_sec": 0.06}
    for tag in expected:
        events = acc.Scalars(tag)
        by_step = {e.step: e.value for e in events}
        for row in rows:
            v = float(row[tag])
            if math.isnan(v):
                assert int(row["step"]) not in by_step
                continue
            assert by_step[int(row["step"])] == pytest.approx(
                v, rel=1e-5, abs=abs_tol.get(tag, 1e-7)), tag


def test_resume_cuts_abandoned_events(tmp_path):
    """Resuming from an earlier checkpoint of the same run cuts the old
    event file back to that step, as metrics.csv is cut: TensorBoard then
    shows one value per step, the resumed run's, and no abandoned future."""
    out = tmp_path / "run"
    rltool.train("cartpole-v1", agent="ppo", steps=12000, seed=1, out=str(out), progress=False,
                 n_threads=1)
    steps = sorted(int(p.stem[5:]) for p in out.glob("step-*.rlt"))
    assert len(steps) >= 2, steps
    back = steps[0]
    rltool.train("cartpole-v1", resume=str(out / ("step-%d.rlt" % back)), steps=12000,
                 progress=False,
                 n_threads=1)
    files = sorted(out.glob("events.out.tfevents.*"))
    assert len(files) == 2
    seen = []
    for f in files:
        acc = event_accumulator.EventAccumulator(str(f), size_guidance={"scalars": 0})
        acc.Reload()
        seen.append([e.step for e in acc.Scalars("return_mean")])
    old = [s for s in seen if min(s) <= back]
    new = [s for s in seen if min(s) > back]
    assert len(old) == 1 and len(new) == 1, seen
    assert max(old[0]) <= back < min(new[0])
    with open(out / "metrics.csv") as f:
        rows = [int(r["step"]) for r in csv.DictReader(f)]
    assert sorted(old[0] + new[0]) == [s for s in rows if s in set(old[0] + new[0])]
    assert len(set(rows)) == len(rows)
