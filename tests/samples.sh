#!/usr/bin/env bash
# samples.sh: every sample spec must check clean: exit status 0, nothing on
# stderr, nothing on stdout.
#
# Usage:
#   tests/samples.sh [--ecsc PATH] --all       every samples/*.ecs file and
#                                              every samples/*/ directory, as
#                                              found now (so a new sample is
#                                              never skipped)
#   tests/samples.sh [--ecsc PATH] SAMPLE...   the named samples (a file or
#                                              directory under samples/)
#
# A samples/*.ecs file is checked on its own; a samples/*/ directory is one
# unit (`ecsc check DIR`). With --all and no samples yet, it says so and
# passes. A named sample that no longer exists is skipped (exit 77; the
# tests are registered when cmake runs: re-run it).

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
ecsc=${ECSC:-$root/build/ecsc}
samples=()
all=

while [ $# -gt 0 ]; do
    case $1 in
    --ecsc) ecsc=$2; shift 2 ;;
    --ecsc=*) ecsc=${1#--ecsc=}; shift ;;
    --all) all=1; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) samples+=("${1%/}"); shift ;;
    esac
done
case $ecsc in /*) ;; *) ecsc=$(pwd)/$ecsc ;; esac
if [ ! -x "$ecsc" ]; then
    echo "samples: ecsc not found or not executable: $ecsc" >&2
    exit 2
fi

cd "$root" || exit 2
if [ -n "$all" ]; then
    for f in samples/*.ecs samples/*/; do
        [ -e "$f" ] || continue
        samples+=("${f%/}")
    done
    if [ ${#samples[@]} -eq 0 ]; then
        echo "samples: SKIP: no samples/*.ecs files or samples/*/ directories yet (nothing to check)"
        exit 0
    fi
fi
if [ ${#samples[@]} -eq 0 ]; then
    echo "samples: nothing to check (give SAMPLE... or --all)" >&2
    exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecsc-samples.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C

passed=0
failed=0
missing=0
for s in "${samples[@]}"; do
    s=${s#"$root"/}
    case $s in samples/*) ;; *) s=samples/$s ;; esac
    if [ ! -e "$s" ]; then
        echo "SKIP  $s: no longer exists (re-run cmake to update the test list)"
        missing=$((missing + 1))
        continue
    fi
    timeout 60 "$ecsc" check --color=never "$s" >"$tmp/out" 2>"$tmp/err" </dev/null
    status=$?
    if [ $status -eq 0 ] && [ ! -s "$tmp/err" ] && [ ! -s "$tmp/out" ]; then
        echo "ok    $s"
        passed=$((passed + 1))
    else
        echo "FAIL  $s: exit status $status (expected 0 and no output)"
        echo "      command: (cd $root && $ecsc check --color=never $s)"
        head -n 60 "$tmp/err" | sed 's/^/      | /'
        [ -s "$tmp/out" ] && head -n 10 "$tmp/out" | sed 's/^/      stdout | /'
        failed=$((failed + 1))
    fi
done

summary="samples: $passed clean, $failed failed"
[ $missing -gt 0 ] && summary="$summary, $missing missing"
echo "$summary"
[ $failed -eq 0 ] || exit 1
# Every named sample gone: skipped, not passed.
[ $passed -eq 0 ] && [ $missing -gt 0 ] && exit 77
exit 0
