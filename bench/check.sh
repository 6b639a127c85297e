#!/usr/bin/env bash
# check.sh [N...]: time `ecsc check` on generated specs of N services
# (default 100 1000 5000) and report wall time and peak memory.
#
# Uses the plain build (build/ecsc); run scripts/setup.sh run first.
set -eu -o pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
ecsc="$here/build/ecsc"
[ -x "$ecsc" ] || { echo "bench: build/ecsc not built; run scripts/setup.sh run" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 1000 5000)
runs=5
printf '%-9s %-10s %-12s %-12s\n' services bytes best_ms peak_rss_kib
for n in "${sizes[@]}"; do
	spec="$tmp/s$n.ecs"
	python3 "$here/bench/gen_services.py" "$n" > "$spec"
	"$ecsc" check "$spec"   # must be clean: a benchmark of errors measures nothing
	best=""
	for _ in $(seq $runs); do
		start=$(date +%s%N)
		"$ecsc" check "$spec"
		end=$(date +%s%N)
		ms=$(( (end - start) / 1000000 ))
		if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
	done
	rss=$(python3 - "$ecsc" "$spec" <<'PY'
import resource, subprocess, sys
subprocess.run([sys.argv[1], "check", sys.argv[2]], check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
)
	printf '%-9s %-10s %-12s %-12s\n' "$n" "$(wc -c < "$spec")" "$best" "$rss"
done
