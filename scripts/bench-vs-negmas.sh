#!/usr/bin/env bash
# Times entente and NegMAS 0.16 on the same benchmark cases, one after the
# other on this machine, and prints the side-by-side ratio.
#
#   scripts/bench-vs-negmas.sh [--quick] [--case 3x10 ...]
#
# Environment:
#   NEGMAS_VENV      virtualenv holding negmas==0.16.0 (default: /work/negmas-venv
#                    if it exists, else .venv-negmas in the repository; created and
#                    filled with pip when missing)
#   NEGMAS_SECONDS   minimum NegMAS measuring time per case (default 20, 4 with --quick)
#   PYTHON           interpreter used to create the virtualenv (default python3)
#
# Nothing in the test suite depends on this script.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

quick=0
cases=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --case) shift; cases+=("$1") ;;
        --case=*) cases+=("${1#--case=}") ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done
[ ${#cases[@]} -eq 0 ] && cases=(3x10 5x10)

if [ -n "${NEGMAS_VENV:-}" ]; then
    venv="$NEGMAS_VENV"
elif [ -d /work/negmas-venv ]; then
    venv=/work/negmas-venv
else
    venv="$repo/.venv-negmas"
fi
if [ ! -x "$venv/bin/python" ]; then
    echo "creating virtualenv $venv" >&2
    "${PYTHON:-python3}" -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import negmas, sys; sys.exit(negmas.__version__ != "0.16.0")' 2>/dev/null; then
    echo "installing negmas==0.16.0 into $venv" >&2
    "$venv/bin/python" -m pip install --quiet 'negmas==0.16.0'
fi

cargo build --release -p entente-cli >&2
entente="$repo/target/release/entente"

if [ $quick -eq 1 ]; then
    rust_flags=(--quick)
    negmas_seconds="${NEGMAS_SECONDS:-4}"
else
    rust_flags=()
    negmas_seconds="${NEGMAS_SECONDS:-20}"
fi
case_flags=()
for c in "${cases[@]}"; do case_flags+=(--case "$c"); done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(uname -sr)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "== entente bench ${rust_flags[*]} ${case_flags[*]}"
"$entente" bench "${rust_flags[@]}" "${case_flags[@]}" --json >"$tmp/entente.json"
echo "== NegMAS (scripts/negmas_bench.py --seconds $negmas_seconds ${case_flags[*]})"
"$venv/bin/python" "$repo/scripts/negmas_bench.py" --seconds "$negmas_seconds" "${case_flags[@]}" --json \
    >"$tmp/negmas.json"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

"$venv/bin/python" - "$tmp/entente.json" "$tmp/negmas.json" <<'EOF'
import json, sys

ent = {c["case"]: c for c in json.load(open(sys.argv[1]))}
neg = json.load(open(sys.argv[2]))
print(
    f"NegMAS {neg['negmas']} (numpy {neg['numpy']}, Python {neg['python']}): fresh objects per negotiation, "
    "steady state (one untimed warm-up negotiation per case)"
)
for n in neg["cases"]:
    e = ent[n["case"]]
    print()
    print(f"case {n['case']} ({n['outcomes']} outcomes), {n['steps']} steps, Boulware vs Boulware")
    print(f"  {'':34} {'negot./s':>12} {'per negot.':>12} {'x NegMAS':>10} {'agreed':>7} {'rounds':>7}")
    print(
        f"  {'NegMAS (1 process)':34} {n['per_second']:>12.2f} {n['ms_mean']:>9.1f} ms {'1':>10} "
        f"{100 * n['agreement_rate']:>6.0f}% {n['mean_rounds']:>7.1f}"
    )
    print(f"  {'  (NegMAS runs; first, untimed)':34} {n['negotiations']:>12} {n['first_ms']:>9.1f} ms")
    for f in e["figures"]:
        label = f"entente {f['mode']}, {f['threads']} thread" + ("s" if f["threads"] > 1 else "")
        print(
            f"  {label:34} {f['per_second']:>12.0f} {f['micros']:>9.1f} us {f['per_second'] / n['per_second']:>10.0f} "
            f"{100 * f['agreement_rate']:>6.0f}% {f['mean_rounds']:>7.1f}"
        )
    print(
        f"  entente setup per negotiation (both parties): tables {e['setup_table_micros']:.1f} us, "
        f"sorting {e['setup_sort_micros']:.1f} us"
    )
EOF
