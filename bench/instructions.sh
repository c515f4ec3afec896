#!/usr/bin/env bash
# Client instructions per operation, raw tokio-postgres against ours, counted by callgrind (stable
# where times on this machine are not). Needs valgrind (Debian package `valgrind`).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release -p schema-bench
bin=target/release/schema-bench
out="$(mktemp -d)"
echo "| scenario | raw | ours | ours / raw |"
echo "| --- | --- | --- | --- |"
for scenario in pk insert update nested nested-with; do
    # As `CALLS` and `NESTED_CALLS` in bench/src/instructions.rs.
    case "$scenario" in nested*) calls=20 ;; *) calls=2000 ;; esac
    declare -A count
    for side in raw ours; do
        valgrind --tool=callgrind --collect-atstart=no --toggle-collect="*count_${side}*" \
            --callgrind-out-file="$out/$scenario-$side" "$bin" --instructions "$scenario" "$side" \
            >"$out/$scenario-$side.log" 2>&1
        total=$(grep -m1 '^summary:' "$out/$scenario-$side" | awk '{print $2}')
        count[$side]=$((total / calls))
    done
    ratio=$(echo "scale=2; ${count[ours]} / ${count[raw]}" | bc)
    echo "| $scenario | ${count[raw]} | ${count[ours]} | $ratio |"
done
rm -rf "$out"
