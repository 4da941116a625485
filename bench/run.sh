#!/usr/bin/env bash
# Curve-fitting benchmark: preclin against scipy curve_fit on the same seeded
# synthetic 9-point LL.4 curves. Prints a markdown table for BENCHMARKS.md.
#
#   bash bench/run.sh
#
# The scipy side needs a Python with numpy and scipy; without one it is
# skipped with a message. To install one:
#   python3 -m venv /tmp/benchvenv && /tmp/benchvenv/bin/pip install scipy numpy
#
# Settings (environment variables):
#   N_ALL=100000    curves for preclin's own benchmark (in memory and end to end)
#   N_SCIPY=10000   curves for scipy and the like-for-like preclin end-to-end run
#                   (the first N_SCIPY curves of the N_ALL set: same seed, same stream)
#   REPEATS=3       runs of every measurement; the median is reported
#   PYTHON=...      interpreter for bench/scipy_fit.py
#                   (default /tmp/benchvenv/bin/python if present, else python3)
#   WORKDIR=...     where the CSVs and logs go (default: a new temporary directory)
#   WAIT_IDLE=1     before every timed run, wait (up to ~5 min) until no other
#                   process uses more than 15 % of a CPU (needs `top`)
#
# Measure on a quiet machine: other CPU-heavy work (compiling, tests, fuzzing)
# skews every number; on a shared machine use WAIT_IDLE=1. All curves per
# second are wall-clock.
set -euo pipefail

cd "$(dirname "$0")/.."
N_ALL=${N_ALL:-100000}
N_SCIPY=${N_SCIPY:-10000}
REPEATS=${REPEATS:-3}
WORKDIR=${WORKDIR:-$(mktemp -d "${TMPDIR:-/tmp}/preclin-bench.XXXXXX")}
mkdir -p "$WORKDIR"
if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x /tmp/benchvenv/bin/python ]]; then PYTHON=/tmp/benchvenv/bin/python; else PYTHON=python3; fi
fi

# median of the numbers given as arguments
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
# the number before "curves/s" on the first line of a file matching a pattern
rate() { grep -m1 -- "$2" "$1" | sed -E 's/.*: ([0-9.]+) curves\/s.*/\1/'; }
# curves per second from a start and end $EPOCHREALTIME
per_s() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN {printf "%.0f", n / (b - a)}'; }
# integer with thousands separators: 12345.6 -> 12,346
fmt() { awk -v x="$1" 'BEGIN {s = sprintf("%.0f", x); o = ""; while (length(s) > 3) {o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3)}; print s o}'; }
# with WAIT_IDLE=1: wait until no other process has used > 15 % CPU in two
# consecutive 2-second samples (gives up after ~150 samples)
idle_wait() {
    [[ ${WAIT_IDLE:-0} == 1 ]] && command -v top >/dev/null || return 0
    local quiet=0 tries=0 busy said=0
    while ((quiet < 2 && tries < 150)); do
        busy=$(top -b -d 2 -n 2 -o %CPU | awk '/^ *PID/ {n++; next} n == 2 && $9 + 0 > 15 {printf "%s ", $12}')
        if [[ -z $busy ]]; then
            quiet=$((quiet + 1))
        else
            quiet=0
            ((said)) || echo "   waiting for an idle machine (busy: $busy)"
            said=1
        fi
        tries=$((tries + 1))
    done
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f", a / b}'; }

echo "== build"
cargo build --release --quiet
BIN=target/release/preclin
ALL_CSV=$WORKDIR/curves_${N_ALL}.csv
SUB_CSV=$WORKDIR/curves_${N_SCIPY}.csv
"$BIN" bench fit --curves "$N_ALL" --write-csv "$ALL_CSV"
"$BIN" bench fit --curves "$N_SCIPY" --write-csv "$SUB_CSV"
# The smaller set is the start of the larger one (one random stream).
cmp -s <(head -n $((N_SCIPY * 9 + 1)) "$ALL_CSV") "$SUB_CSV" \
    || echo "note: $SUB_CSV is not a prefix of $ALL_CSV"

CPU=$(lscpu | sed -n 's/^Model name: *//p' | head -n1)
echo "== machine: $CPU, $(nproc) CPUs; $(rustc --version); $("$BIN" --version 2>/dev/null || echo preclin)"
echo "   source $(git describe --always --dirty 2>/dev/null || echo '(not a git checkout)'); files and logs in $WORKDIR"

echo "== preclin bench fit --curves $N_ALL  (x$REPEATS)"
mem2=() mem1=() e2e_all=()
for i in $(seq "$REPEATS"); do
    log=$WORKDIR/preclin_bench_$i.log
    idle_wait
    "$BIN" bench fit --curves "$N_ALL" | tee "$log"
    mem2+=("$(rate "$log" 'in memory (fit')")
    mem1+=("$(rate "$log" 'in memory, 1 thread')")
    e2e_all+=("$(rate "$log" 'end to end')")
done

echo "== preclin fit on $N_SCIPY curves, end to end (x$REPEATS, 2 threads and 1 thread)"
PRECLIN_FITS=$WORKDIR/preclin_fits_${N_SCIPY}.csv
e2e_sub2=() e2e_sub1=()
for i in $(seq "$REPEATS"); do
    idle_wait
    t0=$EPOCHREALTIME
    "$BIN" fit "$SUB_CSV" --dose-unit nM -o "$PRECLIN_FITS"
    t1=$EPOCHREALTIME
    e2e_sub2+=("$(per_s "$N_SCIPY" "$t0" "$t1")")
    idle_wait
    t0=$EPOCHREALTIME
    RAYON_NUM_THREADS=1 "$BIN" fit "$SUB_CSV" --dose-unit nM -o "$WORKDIR/preclin_fits_1t.csv"
    t1=$EPOCHREALTIME
    e2e_sub1+=("$(per_s "$N_SCIPY" "$t0" "$t1")")
    echo "run $i: ${e2e_sub2[-1]} curves/s (2 threads), ${e2e_sub1[-1]} curves/s (1 thread)"
done

M_MEM2=$(median "${mem2[@]}"); M_MEM1=$(median "${mem1[@]}")
M_E2E_ALL=$(median "${e2e_all[@]}")
M_SUB2=$(median "${e2e_sub2[@]}"); M_SUB1=$(median "${e2e_sub1[@]}")

HAVE_SCIPY=0
if "$PYTHON" -c 'import numpy, scipy' 2>/dev/null; then
    HAVE_SCIPY=1
else
    echo "== scipy side skipped: '$PYTHON' has no numpy/scipy."
    echo "   Install: python3 -m venv /tmp/benchvenv && /tmp/benchvenv/bin/pip install scipy numpy"
fi

if ((HAVE_SCIPY)); then
    PYVER=$("$PYTHON" -c 'import sys, numpy, scipy; print(f"Python {sys.version.split()[0]}, scipy {scipy.__version__}, numpy {numpy.__version__}")')
    echo "== scipy: $PYVER"
    declare -A FIT E2E PROC
    for mode in unbounded bounded; do
        flag=(); [[ $mode == bounded ]] && flag=(--bounded)
        fit=() e2e=() proc=()
        for i in $(seq "$REPEATS"); do
            log=$WORKDIR/scipy_${mode}_$i.log
            idle_wait
            t0=$EPOCHREALTIME
            OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
                "$PYTHON" bench/scipy_fit.py "$SUB_CSV" "${flag[@]}" \
                -o "$WORKDIR/scipy_fits_${mode}.csv" | tee "$log"
            t1=$EPOCHREALTIME
            fit+=("$(rate "$log" 'fit loop')")
            e2e+=("$(rate "$log" 'end to end')")
            proc+=("$(per_s "$N_SCIPY" "$t0" "$t1")")
            echo "   (whole process, with Python start-up and imports: ${proc[-1]} curves/s)"
        done
        FIT[$mode]=$(median "${fit[@]}"); E2E[$mode]=$(median "${e2e[@]}"); PROC[$mode]=$(median "${proc[@]}")
        echo "== accuracy: scipy $mode against preclin on the same $N_SCIPY curves"
        "$PYTHON" bench/scipy_fit.py --scipy-fits "$WORKDIR/scipy_fits_${mode}.csv" \
            --compare "$PRECLIN_FITS" | tee "$WORKDIR/compare_${mode}.log"
    done
fi

echo
echo "== results (median of $REPEATS runs; $CPU, $(nproc) CPUs)"
echo
echo "| what | curves | curves/s |"
echo "|---|---:|---:|"
echo "| preclin in memory (fit + summary), $(nproc) threads | $(fmt "$N_ALL") | $(fmt "$M_MEM2") |"
echo "| preclin in memory, 1 thread | $(fmt $((N_ALL < 20000 ? N_ALL : 20000))) | $(fmt "$M_MEM1") |"
echo "| preclin end to end \`preclin fit\` (CSV → CSV), $(nproc) threads | $(fmt "$N_ALL") | $(fmt "$M_E2E_ALL") |"
echo "| preclin end to end, $(nproc) threads | $(fmt "$N_SCIPY") | $(fmt "$M_SUB2") |"
echo "| preclin end to end, 1 thread | $(fmt "$N_SCIPY") | $(fmt "$M_SUB1") |"
if ((HAVE_SCIPY)); then
    for mode in unbounded bounded; do
        label="LM, unbounded"; [[ $mode == bounded ]] && label="TRF, bounded"
        echo "| scipy curve_fit $label: fit loop | $(fmt "$N_SCIPY") | $(fmt "${FIT[$mode]}") |"
        echo "| scipy curve_fit $label: end to end (read → fit → write) | $(fmt "$N_SCIPY") | $(fmt "${E2E[$mode]}") |"
        echo "| scipy curve_fit $label: whole process (+ Python start-up, imports) | $(fmt "$N_SCIPY") | $(fmt "${PROC[$mode]}") |"
    done
    echo
    echo "End to end on the same $(fmt "$N_SCIPY") curves, preclin ÷ scipy:"
    for mode in unbounded bounded; do
        echo "- $mode: $(ratio "$M_SUB2" "${E2E[$mode]}")× ($(nproc) threads), $(ratio "$M_SUB1" "${E2E[$mode]}")× (1 thread)"
    done
    echo
    echo "$PYVER"
fi
echo "$(rustc --version)"
