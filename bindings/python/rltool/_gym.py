"""rltool tasks in Gymnasium's registry, under the `rltool/` namespace.

    import gymnasium, rltool
    env = gymnasium.make("rltool/swimmer-v1", links=8)
    vec = gymnasium.make_vec("rltool/cartpole-v1", num_envs=64)   # rltool.VectorEnv

Every spec's kwargs carry the rltool id ({"env_id": "swimmer-v1", ...}), so
`gymnasium.make(env.spec)` makes the same env again. (Not "id": make_vec's
sync and async modes call gymnasium.make(spec, **kwargs), whose first
parameter is named id.) Tasks registered after
import (rltool.load_plugin) are added by the same function, register().
"""
import re

from ._common import gym

NAMESPACE = "rltool"
ENTRY_POINT = "rltool._gym:make_env"
VECTOR_ENTRY_POINT = "rltool._gym:make_vec"

# Gymnasium's id grammar: [namespace/]name[-vN], names of word chars, ':', '.', '-'.
_NAME_OK = re.compile(r"^[\w:.-]+$")


def _threshold(task_id):
    """The registered task's own reward_threshold (rl_task.has_threshold), or
    None. Scans the registry rather than rl_task_find, which would compile an
    `mjcf:` model as a side effect."""
    from . import _lib
    from ._common import text
    lib = _lib.load()
    for i in range(lib.rl_task_count()):
        task = lib.rl_task_at(i).contents
        if text(task.id) == task_id:
            return task.reward_threshold if task.has_threshold else None
    return None


def gym_id(task_id):
    """"swimmer-v1" -> "rltool/swimmer-v1". Ids Gymnasium cannot parse (an
    `mjcf:PATH` with slashes) become a readable stand-in; the spec's kwargs
    still hold the real id, so the spec makes the env again."""
    name = task_id if _NAME_OK.match(task_id) else re.sub(r"[^\w:.-]", "_", task_id)
    return "%s/%s" % (NAMESPACE, name)


def make_spec(task_id, max_steps, options, render_mode=None):
    """The EnvSpec of an env made with rltool.make(task_id, **options)
    (Gymnasium's class when gymnasium is present, else rltool.EnvSpec)."""
    if gym is not None:
        from gymnasium.envs.registration import EnvSpec
    else:
        from .env import EnvSpec
    kwargs = {"env_id": task_id}
    # max_steps travels as max_episode_steps: gymnasium.make(spec) turns
    # that into its TimeLimit, and make_env leaves the limit to it.
    kwargs.update((k, v) for k, v in options.items() if k != "max_steps")
    if render_mode is not None:
        kwargs["render_mode"] = render_mode
    return EnvSpec(id=gym_id(task_id), entry_point=ENTRY_POINT,
                   vector_entry_point=VECTOR_ENTRY_POINT,
                   max_episode_steps=max_steps or None,
                   reward_threshold=_threshold(task_id), kwargs=kwargs)


def register():
    """Add every rltool task not yet in Gymnasium's registry; return the
    Gymnasium ids added. Called on import and after load_plugin."""
    if gym is None:
        return []
    from . import _lib
    from ._common import text
    lib = _lib.load()
    added = []
    for i in range(lib.rl_task_count()):
        task = lib.rl_task_at(i).contents
        tid = text(task.id)
        gid = gym_id(tid)
        if gid in gym.registry:
            continue
        gym.register(id=gid, entry_point=ENTRY_POINT, vector_entry_point=VECTOR_ENTRY_POINT,
                     max_episode_steps=task.max_steps or None,
                     reward_threshold=_threshold(tid), kwargs={"env_id": tid})
        added.append(gid)
    return added


# The largest `max_steps` the C wrappers accept: an episode limit never reached.
_NO_LIMIT = 1000000000


def make_env(env_id, **kwargs):
    """gymnasium.make's entry point for rltool/ ids: rltool.make, with the
    episode limit left to the TimeLimit wrapper gymnasium.make adds (the
    spec's max_episode_steps, or make's own max_episode_steps=N), as for
    Gymnasium's own envs. Were the task to truncate at its own limit too,
    max_episode_steps=500 on a 200-step task would still end at 200.
    An explicit max_steps=N still ends episodes in the task itself."""
    from .env import make
    if "max_steps" in kwargs:
        spec = gym.registry.get(gym_id(env_id)) if gym is not None else None
        limit = spec.max_episode_steps if spec is not None else None
        n = kwargs["max_steps"]
        if limit and isinstance(n, int) and n > limit:
            gym.logger.warn("max_steps=%d is longer than %s's max_episode_steps=%d: "
                            "gymnasium.make's TimeLimit still ends episodes at %d unless it "
                            "is also given max_episode_steps=%d" % (n, spec.id, limit, limit, n))
    else:
        kwargs["max_steps"] = _NO_LIMIT
    return make(env_id, **kwargs)


def make_vec(num_envs=1, env_id=None, max_episode_steps=None, copy=True, **options):
    """gymnasium.make_vec's entry point for rltool/ ids (vectorization_mode
    "vector_entry_point", the default for them): one rltool.VectorEnv
    stepped in C threads. Arrays are copies by default, as gymnasium's own
    vector envs return (copy=False hands out the C buffers).
    max_episode_steps, which make_vec passes from the spec, becomes the
    `max_steps` option when it differs from the task's own limit."""
    from . import _lib
    from .vector import VectorEnv
    if env_id is None:
        raise TypeError("rltool._gym.make_vec needs the task id (env_id=...)")
    if max_episode_steps is not None and "max_steps" not in options:
        task = _lib.load().rl_task_find(_lib.enc(env_id))
        if not task or task.contents.max_steps != max_episode_steps:
            options["max_steps"] = max_episode_steps
    return VectorEnv(env_id, num_envs, copy=copy, **options)
