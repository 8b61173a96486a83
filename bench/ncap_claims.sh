#!/bin/sh
# NCAP claims on swimmer-v1 (Bhattasali et al. 2022), measured with rltool:
#   NCAP vs MLP 64-64 under PPO and ES: return at initialisation, after 100k,
#   300k and STEPS env steps, parameters, wall time; transfer of a trained
#   6-link NCAP to 4, 8, 10, 12 links; the ablations shared=0, signs=0,
#   init=random (ES). Returns at 100k/300k/final are the training curve's
#   recent-episode mean (metrics.csv, 20 episodes); "init" is the mean of the
#   first finished episodes; "final" is a deterministic 10-episode eval.
#
#   usage: bench/ncap_claims.sh [RLTOOL]   (env: SEEDS="1 2 3" STEPS=1000000
#          ABL_STEPS=300000 OUT=/tmp/ncap-claims)
set -eu
RLTOOL=${1:-build/rltool}
SEEDS=${SEEDS:-"1 2 3"}
STEPS=${STEPS:-1000000}
ABL_STEPS=${ABL_STEPS:-300000}
OUT=${OUT:-/tmp/ncap-claims}
mkdir -p "$OUT"

# value of return_mean at the first row with step >= $2 (first finite row for 0)
at() {
    awk -F, -v s="$2" 'NR > 1 && $4 != "nan" && $1 >= s { printf "%.0f", $4; exit }' "$1/metrics.csv"
}
# first step whose recent return reaches $2
reach() {
    awk -F, -v r="$2" 'NR > 1 && $4 != "nan" && $4 >= r { print $1; exit }' "$1/metrics.csv"
}
final() { "$RLTOOL" eval "$1" --episodes 10 | awk '/^return/ { printf "%.0f", $2 }'; }
params() { "$RLTOOL" inspect "$1" | awk '/^parameters/ { print $2 }'; }

run() { # name agent policy steps extra-sets seed
    d="$OUT/$1-s$6"
    if [ ! -f "$d/final.rlt" ]; then
        t0=$(date +%s.%N)
        "$RLTOOL" train swimmer-v1 --agent "$2" --policy "$3" --steps "$4" --seed "$6" \
            --threads 2 $5 --out "$d" --overwrite >/dev/null 2>&1
        t1=$(date +%s.%N)
        echo "$t0 $t1" | awk '{ printf "%.0f", $2 - $1 }' > "$d/wall"
    fi
}

printf '%-16s %4s %7s %6s %6s %6s %6s %9s %6s %6s\n' config seed params init 100k 300k final \
    "80%-step" wall_s
for seed in $SEEDS; do
    run ppo-ncap ppo ncap "$STEPS" "" "$seed"
    run ppo-mlp ppo mlp "$STEPS" "" "$seed"
    run es-ncap es ncap "$STEPS" "" "$seed"
    run es-mlp es mlp "$STEPS" "" "$seed"
    for cfg in ppo-ncap ppo-mlp es-ncap es-mlp; do
        d="$OUT/$cfg-s$seed"
        f=$(final "$d")
        printf '%-16s %4s %7s %6s %6s %6s %6s %9s %6s\n' "$cfg" "$seed" "$(params "$d")" \
            "$(at "$d" 0)" "$(at "$d" 100000)" "$(at "$d" 300000)" "$f" \
            "$(reach "$d" "$(echo "$f" | awk '{ print 0.8 * $1 }')")" "$(cat "$d/wall")"
    done
done

echo
echo "transfer of the 6-link ES-NCAP (seed 1, deterministic, 10 episodes):"
src="$OUT/es-ncap-s$(echo $SEEDS | awk '{ print $1 }')"
base=$(final "$src")
printf '%-8s %7s %7s\n' links return ratio
printf '%-8s %7s %7s\n' 6 "$base" 1.00
for n in 4 8 10 12; do
    r=$("$RLTOOL" eval "$src" --episodes 10 --set links=$n | awk '/^return/ { printf "%.0f", $2 }')
    printf '%-8s %7s %7s\n' "$n" "$r" "$(echo "$r $base" | awk '{ printf "%.2f", $1 / $2 }')"
done

echo
echo "ablations (ES, $ABL_STEPS steps, seed 1):"
printf '%-16s %7s %6s %6s %6s\n' config params init 100k final
for ab in "default:" "shared0:shared=0" "signs0:signs=0" "random:init=random" \
          "signs0+random:signs=0,init=random"; do
    name=${ab%%:*}
    sets=${ab#*:}
    set_arg=""
    [ -n "$sets" ] && set_arg="--set $sets"
    run "abl-$name" es ncap "$ABL_STEPS" "$set_arg" 1
    d="$OUT/abl-$name-s1"
    printf '%-16s %7s %6s %6s %6s\n' "$name" "$(params "$d")" "$(at "$d" 0)" "$(at "$d" 100000)" \
        "$(final "$d")"
done
