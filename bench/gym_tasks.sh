#!/bin/sh
# Learning on the Gymnasium-like task files of examples/gym: train a task's
# recipe (examples/gym/README.md) for some seeds, evaluate each final
# checkpoint deterministically, write learning curves (rltool plot) and, for
# the locomotion tasks, how upright the torso stayed (bench/gym_upright.py).
#
#   bench/gym_tasks.sh TASK [SEEDS] [STEPS]     e.g. bench/gym_tasks.sh reacher 3
#   FIRST_SEED=2 bench/gym_tasks.sh hopper 3     (seeds 2 and 3 only)
#
# Runs land in ${OUT:-bench-out/gym}/runs/TASK-AGENT-sSEED (rerunning a
# finished run directory is refused by rltool, so delete it first). The
# model files come from the installed gymnasium package; RLTOOL_GYM_ASSETS
# points there (set here from `python3 -c 'import gymnasium'` when unset).
set -eu
HERE=$(cd "$(dirname "$0")/.." && pwd)
RLTOOL=${RLTOOL:-$HERE/build/rltool}
PYTHON=${PYTHON:-python3}
OUT=${OUT:-bench-out/gym}
TASK=$1
SEEDS=${2:-3}
if [ -z "${RLTOOL_GYM_ASSETS:-}" ]; then
  RLTOOL_GYM_ASSETS=$($PYTHON -c 'import gymnasium, os; print(os.path.join(os.path.dirname(gymnasium.__file__), "envs", "mujoco", "assets"))')
  export RLTOOL_GYM_ASSETS
fi

# The recipe of each task: agent, budget, hyperparameters (space-separated
# k=v; examples/gym/README.md).
case $TASK in
  inverted_pendulum)        AGENT=ppo; STEPS=100000;  HP="" ;;
  inverted_double_pendulum) AGENT=ppo; STEPS=1000000; HP="" ;;
  reacher)                  AGENT=sac; STEPS=200000;  HP="hidden=64x64" ;;
  hopper|walker2d|ant)      AGENT=ppo; STEPS=1000000; HP="gamma=0.99" ;;
  half_cheetah|half_cheetah_upright) AGENT=ppo; STEPS=1000000; HP="gamma=0.99" ;;
  *) echo "unknown task $TASK (see examples/gym)" >&2; exit 2 ;;
esac
STEPS=${3:-$STEPS}
mkdir -p "$OUT/runs"
for s in $(seq "${FIRST_SEED:-1}" "$SEEDS"); do
  dir="$OUT/runs/$TASK-$AGENT-s$s"
  set -- "$RLTOOL" train "$HERE/examples/gym/$TASK.task" --agent "$AGENT" --seed "$s" \
    --steps "$STEPS" --out "$dir"
  for kv in $HP; do set -- "$@" --set "$kv"; done
  start=$(date +%s)
  nice -n 10 "$@" > "$dir.log" 2>&1 || { tail -3 "$dir.log"; exit 1; }
  echo "$TASK $AGENT seed $s: $STEPS steps in $(( $(date +%s) - start )) s (load $(cut -d' ' -f1-3 /proc/loadavg))"
  "$RLTOOL" eval "$dir" --episodes 20 | sed -n 2p
  case $TASK in half_cheetah*|hopper|walker2d|ant)
    PYTHONPATH="$HERE/bindings/python" RLTOOL_LIB="$HERE/build/librltool.so" \
      $PYTHON "$HERE/bench/gym_upright.py" "$dir" ;;
  esac
done
"$RLTOOL" plot "$OUT/runs" -o "$OUT/curves.svg" > /dev/null
echo "curves: $OUT/curves*.svg"
