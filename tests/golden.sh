#!/usr/bin/env bash
# golden.sh: golden diagnostics tests.
#
# Each tests/diagnostics/NAME.ecs has a NAME.err beside it: the exact
# standard error of `ecsc check --color=never NAME.ecs`, run from
# tests/diagnostics (so paths print as just NAME.ecs). The exit status is
# checked too: 1 when NAME.err contains `error[`, else 0.
#
# Usage:
#   tests/golden.sh [--ecsc PATH] [NAME...]      check NAME (default: all cases)
#   tests/golden.sh --orphans                    only check that every NAME.ecs
#                                                has its NAME.err and back
#   tests/golden.sh --coverage                   only check that every code in
#                                                ECS_DIAG_CODES has a golden case
#                                                (or is listed, with the test that
#                                                covers it, in
#                                                diagnostics/coverage-elsewhere.txt)
#   UPDATE=1 tests/golden.sh [--ecsc PATH] [NAME...]
#                                                rewrite NAME.err from the
#                                                compiler's output (the diff
#                                                is shown; read it!)
# NAME may be given as NAME, NAME.ecs or a path to either.
# --ecsc defaults to $ECSC, else build/ecsc in the repository.
#
# An output is never blessed when ecsc crashed (status >= 128) or a
# sanitizer spoke; the .err is left as it was. Exits 0 only if every case
# passed (or, with UPDATE=1, was written).

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
dir=$here/diagnostics
ecsc=${ECSC:-$root/build/ecsc}
update=${UPDATE:-0}
[ "$update" = 0 ] && update=

names=()
while [ $# -gt 0 ]; do
    case $1 in
    --ecsc) ecsc=$2; shift 2 ;;
    --ecsc=*) ecsc=${1#--ecsc=}; shift ;;
    --orphans) orphans_only=1; shift ;;
    --coverage) coverage_only=1; shift ;;
    -h|--help) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) n=$(basename "$1"); n=${n%.ecs}; n=${n%.err}; names+=("$n"); shift ;;
    esac
done

if [ -n "${orphans_only:-}" ]; then
    bad=0
    for f in "$dir"/*.ecs; do
        [ -e "$f" ] || continue
        [ -e "${f%.ecs}.err" ] || { echo "FAIL  $(basename "$f") has no .err (UPDATE=1 $0 $(basename "$f" .ecs), then read it)"; bad=1; }
    done
    for f in "$dir"/*.err; do
        [ -e "$f" ] || continue
        [ -e "${f%.err}.ecs" ] || { echo "FAIL  $(basename "$f") has no .ecs"; bad=1; }
    done
    [ $bad -eq 0 ] && echo "golden: every case has its .ecs and .err"
    exit $bad
fi

if [ -n "${coverage_only:-}" ]; then
    codes=$(sed -n 's/^[[:space:]]*X(\([EW][0-9][0-9][0-9][0-9]\),.*/\1/p' "$root/compiler/internal.h")
    if [ -z "$codes" ]; then
        echo "FAIL  no codes found in compiler/internal.h (ECS_DIAG_CODES)"
        exit 1
    fi
    bad=0 n=0
    for code in $codes; do
        n=$((n + 1))
        if grep -l -a -F "[$code]" "$dir"/*.err >/dev/null 2>&1; then
            continue
        fi
        where=$(awk -v c="$code" '$1 == c { print $2 }' "$dir/coverage-elsewhere.txt" 2>/dev/null)
        if [ -n "$where" ] && grep -q -F "$code" "$here/$where" 2>/dev/null; then
            echo "note  $code: no golden case; covered by tests/$where"
            continue
        fi
        echo "FAIL  $code: no golden case (tests/diagnostics/$code-*.ecs) and no entry in coverage-elsewhere.txt"
        bad=1
    done
    [ $bad -eq 0 ] && echo "golden: all $n codes in ECS_DIAG_CODES are covered"
    exit $bad
fi

case $ecsc in /*) ;; *) ecsc=$(pwd)/$ecsc ;; esac
if [ ! -x "$ecsc" ]; then
    echo "golden: ecsc not found or not executable: $ecsc (build first, or pass --ecsc)" >&2
    exit 2
fi

if [ ${#names[@]} -eq 0 ]; then
    for f in "$dir"/*.ecs; do
        [ -e "$f" ] || continue
        n=$(basename "$f"); names+=("${n%.ecs}")
    done
    # Every .err needs its .ecs: an orphan means a renamed or deleted case.
    for f in "$dir"/*.err; do
        [ -e "$f" ] || continue
        n=$(basename "$f"); n=${n%.err}
        if [ ! -e "$dir/$n.ecs" ]; then
            echo "FAIL  $n: $n.err has no $n.ecs"
            orphan=1
        fi
    done
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecsc-golden.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

export LC_ALL=C
unset NO_COLOR
passed=0
failed=${orphan:-0}
for n in "${names[@]}"; do
    src=$dir/$n.ecs
    want=$dir/$n.err
    got=$tmp/$n.err
    if [ ! -e "$src" ]; then
        echo "FAIL  $n: no such case ($src)"
        failed=$((failed + 1))
        continue
    fi
    (cd "$dir" && timeout 20 "$ecsc" check --color=never "$n.ecs" >/dev/null 2>"$got" </dev/null)
    status=$?
    crashed=
    if [ $status -ge 124 ]; then
        crashed="exit status $status (crash or timeout)"
    elif grep -a -q -e 'Sanitizer' -e 'runtime error:' "$got"; then
        crashed="sanitizer report on stderr"
    fi

    if [ -n "$update" ]; then
        if [ -n "$crashed" ]; then
            echo "FAIL  $n: not updated: $crashed"
            sed 's/^/      /' "$got" | head -n 40
            failed=$((failed + 1))
            continue
        fi
        if [ -e "$want" ] && cmp -s "$got" "$want"; then
            echo "same  $n"
        else
            old=$want
            [ -e "$want" ] || { : >"$tmp/empty"; old=$tmp/empty; }
            diff -u -a --label "$n.err (old)" --label "$n.err (new)" "$old" "$got"
            cp "$got" "$want"
            echo "wrote $n.err (exit status $status)"
        fi
        passed=$((passed + 1))
        continue
    fi

    if [ ! -e "$want" ]; then
        echo "FAIL  $n: no $n.err (generate it with UPDATE=1 $0 $n, then read it)"
        failed=$((failed + 1))
        continue
    fi
    if grep -a -q 'error\[' "$want"; then expect=1; else expect=0; fi
    problems=()
    [ -n "$crashed" ] && problems+=("$crashed")
    [ $status -ne $expect ] && problems+=("exit status $status, expected $expect")
    if ! cmp -s "$want" "$got"; then
        problems+=("stderr differs from $n.err")
    fi
    if [ ${#problems[@]} -eq 0 ]; then
        echo "ok    $n"
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL  $n: $(IFS=';'; echo "${problems[*]}" | sed 's/;/; /g')"
        echo "      command: (cd $dir && $ecsc check --color=never $n.ecs)"
        diff -u -a --label "$n.err (expected)" --label "$n.err (actual)" "$want" "$got" |
            head -n 80 | sed 's/^/      /'
    fi
done

if [ -n "$update" ]; then
    echo "golden: $passed written or unchanged, $failed failed"
else
    echo "golden: $passed passed, $failed failed"
fi
[ $failed -eq 0 ]
