"""A checkpoint trained on a task file pins the file's hash: after the task
changes, rltool.load still loads it (as the C loader does), evaluating it
refuses with the changed file named, and task_hash="" runs it on the file
as it is now, as that message advises."""
import pytest

import rltool

TINY_XML = """<mujoco model="tiny">
  <option timestep="0.01" gravity="0 0 0"/>
  <worldbody>
    <body name="cart" pos="0 0 0.5">
      <joint name="slide" type="slide" axis="1 0 0" range="-2 2" limited="true"/>
      <geom name="cart_geom" type="box" size=".1 .1 .1" mass="1"/>
    </body>
  </worldbody>
  <actuator><motor joint="slide" gear="1"/></actuator>
</mujoco>
"""


def test_changed_task_file_loads_and_runs_with_task_hash_override(tmp_path):
    (tmp_path / "tiny.xml").write_text(TINY_XML)
    task = tmp_path / "pin.task"
    task.write_text("model = tiny.xml\nreward = alive\nmax_steps = 20\n")
    out = tmp_path / "run"
    rltool.train(str(task), agent="ppo", steps=256, n_envs=2, n_threads=1, out=str(out),
                 progress=False, rollout=64)
    with task.open("a") as f:
        f.write("max_steps = 30\n")
    pol = rltool.load(str(out))
    try:
        assert pol.observation_space.shape == (2,)
        with pytest.raises(rltool.StateError, match="task file"):
            rltool.evaluate(pol, episodes=1)
        res = rltool.evaluate(pol, episodes=2, task_hash="")
        assert res["mean_return"] == pytest.approx(30.0)
    finally:
        pol.close()
