#!/bin/sh
# Learning on the Gymnasium-like task files of examples/gym: train a task's
# recipe (its task file's recipe.* lines) for some seeds, evaluate each final
# checkpoint deterministically, write learning curves (rltool plot) and, for
# the locomotion tasks, how upright the torso stayed (bench/gym_upright.py).
#
#   bench/gym_tasks.sh TASK [SEEDS] [STEPS]     e.g. bench/gym_tasks.sh reacher 3
#   FIRST_SEED=2 bench/gym_tasks.sh hopper 3     (seeds 2 and 3 only)
#   HP="log_std_init=-1" TAG=std1 bench/gym_tasks.sh half_cheetah 1
#   THREADS=2 bench/gym_tasks.sh hopper 1        (default --threads 1: the
#   machine is shared, and a 2-thread run beside other jobs oversubscribes)
#
# Runs land in ${OUT:-bench-out/gym}/runs/TASK[-TAG]-AGENT-sSEED (rerunning a
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
STEPS=${3:-}           # empty: the recipe's budget
if [ -z "${RLTOOL_GYM_ASSETS:-}" ]; then
  RLTOOL_GYM_ASSETS=$($PYTHON -c 'import gymnasium, os; print(os.path.join(os.path.dirname(gymnasium.__file__), "envs", "mujoco", "assets"))')
  export RLTOOL_GYM_ASSETS
fi

# Each task file carries its recipe (recipe.agent, recipe.hparams,
# recipe.steps), which `rltool train FILE` uses; HP adds hyperparameters
# (space-separated k=v) for experiments, TAG names their run directories.
FILE=$HERE/examples/gym/$TASK.task
[ -f "$FILE" ] || { echo "unknown task $TASK (see examples/gym)" >&2; exit 2; }
AGENT=$(sed -n 's/^recipe\.agent *= *\([a-z0-9_]*\).*/\1/p' "$FILE")
HP=${HP:-}
mkdir -p "$OUT/runs"
for s in $(seq "${FIRST_SEED:-1}" "$SEEDS"); do
  dir="$OUT/runs/$TASK${TAG:+-$TAG}-$AGENT-s$s"
  set -- "$RLTOOL" train "$FILE" --seed "$s" --out "$dir" --threads "${THREADS:-1}"
  [ -n "${STEPS:-}" ] && set -- "$@" --steps "$STEPS"
  for kv in $HP; do set -- "$@" --set "$kv"; done
  start=$(date +%s)
  nice -n 19 "$@" > "$dir.log" 2>&1 || { tail -3 "$dir.log"; exit 1; }
  echo "$TASK${TAG:+ ($TAG)} $AGENT${HP:+ $HP} seed $s: ${STEPS:-recipe} steps in $(( $(date +%s) - start )) s (load $(cut -d' ' -f1-3 /proc/loadavg))"
  "$RLTOOL" eval "$dir" --episodes 20 | sed -n 2p
  case $TASK in
    half_cheetah*) GYM=HalfCheetah-v5 ;; hopper) GYM=Hopper-v5 ;;
    walker2d) GYM=Walker2d-v5 ;; ant) GYM=Ant-v5 ;; *) GYM= ;;
  esac
  if [ -n "$GYM" ]; then
    PYTHONPATH="$HERE/bindings/python" RLTOOL_LIB="$HERE/build/librltool.so" \
      $PYTHON "$HERE/bench/gym_upright.py" "$dir" "$GYM" 20
  fi
done
"$RLTOOL" plot "$OUT/runs" -o "$OUT/curves.svg" > /dev/null
echo "curves: $OUT/curves*.svg"
