#!/usr/bin/env bash
# compile.sh [--cdk] [N...]: time `ecsc compile` (CloudFormation, JSON) on
# generated specs of N services (default 10 100 1000 10000) and report the
# best wall time of several runs, peak memory, the templates' size and
# throughput.
#
# A spec past CloudFormation's limits compiles to several stacks in a
# directory; the figures cover all of them. Uses build/ecsc.
#
# --cdk also synthesises the equivalent AWS CDK app (bench/cdk/app.js),
# offline, once per N, installing aws-cdk-lib and constructs with npm into
# ~/.cache/ecsc-bench-cdk the first time (outside the repository).
set -eu -o pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
ecsc="$here/build/ecsc"
[ -x "$ecsc" ] || { echo "bench: build/ecsc not built; run scripts/setup.sh run" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cdk=0
if [ "${1:-}" = "--cdk" ]; then cdk=1; shift; fi
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10 100 1000 10000)
cdk_dir="$HOME/.cache/ecsc-bench-cdk"
if [ $cdk = 1 ] && [ ! -d "$cdk_dir/node_modules/aws-cdk-lib" ]; then
	mkdir -p "$cdk_dir"
	echo '{"private": true}' > "$cdk_dir/package.json"
	(cd "$cdk_dir" && npm install --no-package-lock --no-audit --no-fund \
		aws-cdk-lib@2 constructs@10 >/dev/null)
fi
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
	if [ $cdk = 1 ]; then
		start=$(date +%s%N)
		NODE_PATH="$cdk_dir/node_modules" node "$here/bench/cdk/app.js" "$n" "$tmp/cdk$n" >/dev/null
		end=$(date +%s%N)
		ms=$(( (end - start) / 1000000 ))
		printf '  cdk synth: %s ms (%s stacks), %sx the time of ecsc\n' "$ms" \
			"$(ls "$tmp/cdk$n"/*.template.json | wc -l)" "$(( ms / (best > 0 ? best : 1) ))"
		rm -rf "$tmp/cdk$n"
	fi
done
