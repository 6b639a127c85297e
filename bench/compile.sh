#!/usr/bin/env bash
# compile.sh [N...]: time `ecsc compile` (CloudFormation, JSON) on generated
# specs of N services (default 10 100 1000 10000) and report the best wall
# time of several runs, peak memory, the templates' size and throughput.
#
# A spec past CloudFormation's limits compiles to several stacks in a
# directory; the figures cover all of them. Uses build/ecsc.
set -eu -o pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
ecsc="$here/build/ecsc"
[ -x "$ecsc" ] || { echo "bench: build/ecsc not built; run scripts/setup.sh run" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10 100 1000 10000)
printf '%-9s %-7s %-10s %-10s %-13s %-12s %-10s\n' \
	services stacks spec_KB best_ms peak_rss_MiB template_KB MB/s
for n in "${sizes[@]}"; do
	spec="$tmp/s$n.ecs"
	python3 "$here/bench/gen_services.py" "$n" > "$spec"
	out="$tmp/out$n"
	runs=5
	[ "$n" -ge 10000 ] && runs=3
	best=""
	for _ in $(seq $runs); do
		rm -rf "$out"
		start=$(date +%s%N)
		"$ecsc" compile "$spec" -o "$out"
		end=$(date +%s%N)
		ms=$(( (end - start) / 1000000 ))
		if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
	done
	if [ -d "$out" ]; then stacks=$(ls "$out" | wc -l); bytes=$(cat "$out"/* | wc -c)
	else stacks=1; bytes=$(wc -c < "$out"); fi
	rss=$(python3 - "$ecsc" "$spec" "$tmp/rss" <<'PY'
import resource, subprocess, sys
subprocess.run([sys.argv[1], "compile", sys.argv[2], "-o", sys.argv[3]], check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
)
	rm -rf "$tmp/rss"
	mbs=$(python3 -c "print(f'{$bytes / 1e6 / max($best, 1) * 1000:.0f}')")
	printf '%-9s %-7s %-10s %-10s %-13s %-12s %-10s\n' "$n" "$stacks" \
		"$(( $(wc -c < "$spec") / 1024 ))" "$best" "$(( rss / 1024 ))" \
		"$(( bytes / 1024 ))" "$mbs"
done
