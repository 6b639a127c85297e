#!/usr/bin/env bash
# run.sh: builds the fuzz targets (build-fuzz/, clang) and runs each for a
# bounded time on its corpus; fails when a target finds a crash, a leak, a
# sanitizer report or a hang. tests/fuzz/README.md says what each target
# reads.
#
# Usage: tests/fuzz/run.sh [--build DIR] [--time SECONDS] [--jobs N] [TARGET...]
#   --time     seconds per target (default 60)
#   --jobs     parallel fuzzing processes per target (default 1)
#   TARGET     fuzz_spec fuzz_fmt fuzz_lsp fuzz_values fuzz_bundle fuzz_live fuzz_xml (default all)
# The seeds are made afresh from samples/, the goldens and tests/diagnostics
# (DIR/fuzz/seed/TARGET); what a run learns is kept in DIR/fuzz/corpus/TARGET
# for the next; a crashing input is saved in DIR/fuzz/artifacts/. The inputs
# of tests/fuzz/regress/TARGET/ (each once found a failure) run first.
set -eu -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$here/build-fuzz
seconds=60
jobs=1
targets=()
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$(realpath -m "$2"); shift 2 ;;
	--time) seconds=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	-h|--help) sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) targets+=("$1"); shift ;;
	esac
done
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_spec fuzz_fmt fuzz_lsp fuzz_values fuzz_bundle fuzz_live fuzz_xml)

cmake -S "$here" -B "$build" -G Ninja -DCMAKE_C_COMPILER="${CC:-clang}" -DECSC_FUZZ=ON \
	>/dev/null
ninja -C "$build" fuzz

work=$build/fuzz
seed=$work/seed
rm -rf "$seed"
mkdir -p "$seed" "$work/artifacts"
python3 "$here/tests/fuzz/seeds.py" "$here" "$seed"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
summary=()
cd "$work"    # -jobs writes its fuzz-N.log here
for t in "${targets[@]}"; do
	mkdir -p "$work/corpus/$t"
	log=$work/$t.log
	dict=()
	[ -f "$here/tests/fuzz/$t.dict" ] && dict=(-dict="$here/tests/fuzz/$t.dict")
	# First the inputs that once failed (tests/fuzz/regress/TARGET/), once each.
	if [ -d "$here/tests/fuzz/regress/$t" ]; then
		printf '==> %s on tests/fuzz/regress/%s\n' "$t" "$t"
		if ! "$build/tests/fuzz/$t" "$here/tests/fuzz/regress/$t"/* >"$log" 2>&1; then
			status=1
			summary+=("$t: FAILED on a regression input; see $log")
			grep -m 40 -A 30 -e 'ERROR: ' -e 'runtime error:' "$log" | cut -c 1-200 || true
			continue
		fi
	fi
	printf '==> %s for %ss\n' "$t" "$seconds"
	start=$(date +%s)
	rc=0
	parallel=()
	[ "$jobs" -gt 1 ] && parallel=(-jobs="$jobs" -workers="$jobs")
	# -close_fd_mask=1: the targets' own output is noise; crash reports
	# go to stderr, which stays.
	"$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 \
		-max_len=65536 -close_fd_mask=1 -print_final_stats=1 ${parallel[@]+"${parallel[@]}"} \
		-artifact_prefix="$work/artifacts/$t-" ${dict[@]+"${dict[@]}"} \
		"$work/corpus/$t" "$seed/$t" >"$log" 2>&1 || rc=$?
	elapsed=$(( $(date +%s) - start ))
	execs=$({ cat "$log"; cat "$work"/fuzz-*.log 2>/dev/null || true; } |
		awk '/stat::number_of_executed_units/ {n += $2} END {print n + 0}')
	corpus=$(find "$work/corpus/$t" -type f | wc -l)
	# A crash inside a target is reported on stderr, in the log.
	if [ $rc -ne 0 ] || grep -q -e 'ERROR: AddressSanitizer' -e 'runtime error:' \
		-e 'ERROR: libFuzzer' -e 'ERROR: LeakSanitizer' "$log"; then
		status=1
		summary+=("$t: FAILED after ${elapsed}s (exit $rc), $execs executions; see $log")
		grep -m 40 -A 30 -e 'ERROR: ' -e 'runtime error:' "$log" | cut -c 1-200 || true
	else
		summary+=("$t: ${elapsed}s, $execs executions, corpus $corpus inputs")
	fi
	rm -f "$work"/fuzz-*.log
done
printf '%s\n' "${summary[@]}"
exit $status
