#!/usr/bin/env bash
# check.sh [N...]: time `ecsc check` on generated specs of N services
# (default 100 1000 5000) and report wall time and peak memory.
# check.sh --unknown-values [N...]: time `ecsc check --values` with a
# values file of N names the spec does not declare (default 10000 100000
# 1000000), the hostile case of a values file meant for another spec.
#
# Uses the plain build (build/ecsc); run scripts/setup.sh run first.
set -eu -o pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
ecsc="$here/build/ecsc"
[ -x "$ecsc" ] || { echo "bench: build/ecsc not built; run scripts/setup.sh run" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mode=services
if [ "${1:-}" = --unknown-values ]; then mode=unknown-values; shift; fi
sizes=("$@")
if [ ${#sizes[@]} -eq 0 ]; then
	if [ $mode = services ]; then sizes=(100 1000 5000); else sizes=(10000 100000 1000000); fi
fi
runs=5
expected=0   # the exit status every run must have
printf '%-9s %-10s %-12s %-12s\n' "$mode" bytes best_ms peak_rss_kib
for n in "${sizes[@]}"; do
	spec="$tmp/s$n.ecs"
	if [ $mode = services ]; then
		python3 "$here/bench/gen_services.py" "$n" > "$spec"
		args=(check "$spec")   # must be clean: a benchmark of errors measures nothing
		input=$spec
	else
		printf 'param tag: string = "x"\ncluster main {}\n' > "$spec"
		input="$tmp/v$n.json"
		python3 -c 'import json, sys; json.dump({"k%d" % i: "v" for i in range(int(sys.argv[1]))}, open(sys.argv[2], "w"))' "$n" "$input"
		args=(check --values "$input" "$spec")
		expected=1   # every name is an error
	fi
	best=""
	for _ in $(seq $runs); do
		start=$(date +%s%N)
		st=0
		"$ecsc" "${args[@]}" 2>/dev/null || st=$?
		end=$(date +%s%N)
		[ $st -eq $expected ] || { echo "bench: ecsc ${args[*]} exited $st" >&2; exit 1; }
		ms=$(( (end - start) / 1000000 ))
		if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
	done
	rss=$(python3 - "$ecsc" "${args[@]}" <<'PY'
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
)
	printf '%-9s %-10s %-12s %-12s\n' "$n" "$(wc -c < "$input")" "$best" "$rss"
done
