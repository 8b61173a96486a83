#!/bin/sh
# TD3 vs TLA: return, decisions, action repetition and MMACs per episode,
# over seeds, on the tasks TLA's issue names. Prints a markdown table.
# Usage: bench/tla_table.sh [build dir] [seeds] [tasks...]
set -e
BUILD=${1:-build}
SEEDS=${2:-3}
shift 2 2>/dev/null || true
TASKS=${*:-"pendulum-v1 quadrotor-hover-v1 swimmer-v1"}
RLTOOL=$BUILD/rltool
OUT=${OUT:-/tmp/rltool-tla-bench}
mkdir -p "$OUT"
# Budgets: pendulum as published-scale quick runs; others short (CPU budget).
steps_for() {
  case $1 in
    pendulum-v1) echo "${PENDULUM_STEPS:-20000}" ;;
    quadrotor-hover-v1) echo 100000 ;;
    *) echo 100000 ;;
  esac
}
# Same networks for both agents so MACs compare like for like.
hp_for() {
  case $1 in
    pendulum-v1) echo "--set hidden=64x64 --set batch=100 --set lr=1e-3 --set warmup=1000 --set buffer=20000" ;;
    *) echo "--set hidden=64x64 --set warmup=5000" ;;
  esac
}
slow_for() {
  case $1 in
    pendulum-v1) echo "--set slow_steps=6 --set p=1 --set j=1" ;;
    quadrotor-hover-v1) echo "--set slow_steps=3 --set p=0.2 --set j=0" ;;
    *) echo "--set slow_steps=3 --set p=0.2 --set j=0" ;;
  esac
}
echo "| task | agent | return (mean +- sd over seeds) | decisions / episode | repeated actions | MMACs / episode | wall s |"
echo "|---|---|---:|---:|---:|---:|---:|"
for task in $TASKS; do
  steps=$(steps_for "$task")
  for agent in td3 tla; do
    extra=""
    [ "$agent" = tla ] && extra=$(slow_for "$task")
    rets=""; decs=""; reps=""; macs=""; walls=""
    s=1
    while [ "$s" -le "$SEEDS" ]; do
      dir=$OUT/$task-$agent-s$s
      t0=$(date +%s.%N)
      # shellcheck disable=SC2086
      "$RLTOOL" train "$task" --agent "$agent" --steps "$steps" --seed "$s" --threads 1 \
        --out "$dir" --overwrite $(hp_for "$task") $extra >/dev/null 2>&1
      t1=$(date +%s.%N)
      ev=$("$RLTOOL" eval "$dir" --episodes 10)
      rets="$rets $(echo "$ev" | awk '/^return/ {print $2}')"
      decs="$decs $(echo "$ev" | awk '/^decisions/ {print $2}')"
      reps="$reps $(echo "$ev" | awk '/^decisions/ {gsub(/%/,"",$8); print $8}')"
      macs="$macs $(echo "$ev" | awk '/^compute/ {print $2}')"
      walls="$walls $(awk -v a="$t0" -v b="$t1" "BEGIN {print b - a}")"
      s=$((s + 1))
    done
    stats() { echo "$1" | tr ' ' '\n' | awk 'NF {n++; s+=$1; q+=$1*$1} END {m=s/n; v=q/n-m*m; if (v<0) v=0; printf "%.1f +- %.1f", m, sqrt(v)}'; }
    mean() { echo "$1" | tr ' ' '\n' | awk 'NF {n++; s+=$1} END {printf "%.'"$2"'f", s/n}'; }
    echo "| $task | $agent | $(stats "$rets") | $(mean "$decs" 1) | $(mean "$reps" 1)% | $(mean "$macs" 3) | $(mean "$walls" 1) |"
  done
done
