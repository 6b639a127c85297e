# lib.sh: helpers shared by the shell test drivers (sourced, not run).
#
# A driver defines one function per case, named case_NAME, and ends with
# `main "$@"`. Then:
#   DRIVER --list                   prints the case names (ctest registers one
#                                   test per name at configure time)
#   DRIVER [--ecsc PATH] [NAME...]  runs the named cases (default: all)
# --ecsc defaults to $ECSC, else build/ecsc in the repository. Each case runs
# in a fresh temporary directory (mktemp -d), its working directory, removed
# afterwards; nothing is written inside the repository.
#
# In a case:
#   run [--stdin FILE] [--limit SECONDS] [--env NAME=VALUE]... -- ARG...
#       runs ecsc ARG... and records $status, $out (stdout file), $err
#       (stderr file) and $elapsed (CPU seconds). Always asserts no crash
#       (status < 124, which includes timeouts) and no sanitizer report.
#   expect_status N, expect_err TEXT, expect_no_err TEXT, expect_out TEXT,
#   expect_no_out TEXT, expect_err_empty, expect_out_empty,
#   expect_time S      at most S seconds of CPU time (scaled under sanitizers)
#   fail MESSAGE       records a failure (the case goes on)
# TEXT is a fixed string (grep -F).

set -u

lib_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$lib_here/.." && pwd)
ecsc=${ECSC:-$repo/build/ecsc}
export LC_ALL=C
unset NO_COLOR CLICOLOR_FORCE

case_failures=0
case_name=

fail() {
    case_failures=$((case_failures + 1))
    printf '      FAIL: %s\n' "$*"
}

# Shows the last command's output once, on the first failure of a step.
show_output() {
    printf '      command: %s\n' "$last_cmd"
    printf '      exit status: %s, %ss CPU\n' "$status" "$elapsed"
    if [ -s "$err" ]; then
        echo '      stderr:'
        head -n 40 "$err" | cut -c 1-200 | cat -v | sed 's/^/        | /'
    fi
    if [ -s "$out" ]; then
        echo '      stdout:'
        head -n 20 "$out" | cut -c 1-200 | cat -v | sed 's/^/        | /'
    fi
}

# Sanitizer builds are slower; time limits scale with them.
time_scale=1
if grep -a -q -e '__asan_init' -e '__ubsan_handle' "$ecsc" 2>/dev/null; then
    time_scale=4
fi

run_count=0
run() {
    local stdin=/dev/null limit=20 envs=()
    while [ $# -gt 0 ]; do
        case $1 in
        --stdin) stdin=$2; shift 2 ;;
        --limit) limit=$2; shift 2 ;;
        --env) envs+=("$2"); shift 2 ;;
        --) shift; break ;;
        *) break ;;
        esac
    done
    run_count=$((run_count + 1))
    out=$work/.out.$run_count
    err=$work/.err.$run_count
    last_cmd="ecsc $*"
    [ "$stdin" != /dev/null ] && last_cmd="$last_cmd < $(basename "$stdin")"
    # $elapsed is CPU time (user + system), which a loaded machine (ctest -j)
    # does not inflate; the wall-clock limit is a separate, generous guard.
    local TIMEFORMAT='%U %S'
    { time env ${envs[@]+"${envs[@]}"} timeout $((limit * time_scale)) "$ecsc" "$@" \
        <"$stdin" >"$out" 2>"$err"; } 2>"$work/.time.$run_count"
    status=$?
    elapsed=$(awk 'END { printf "%.2f", $1 + $2 }' "$work/.time.$run_count")
    shown=
    if [ "$status" -eq 124 ]; then
        fail "timed out after $((limit * time_scale))s"
        show_output; shown=1
    elif [ "$status" -gt 124 ]; then
        fail "crashed: exit status $status"
        show_output; shown=1
    fi
    if grep -a -q -e 'Sanitizer' -e 'runtime error:' "$err"; then
        fail "sanitizer report on stderr"
        [ -n "$shown" ] || { show_output; shown=1; }
    fi
}

_once() { [ -n "$shown" ] || { show_output; shown=1; }; }

expect_status() {
    if [ "$status" -ne "$1" ]; then
        fail "exit status $status, expected $1"
        _once
    fi
}
expect_err() {
    if ! grep -a -q -F -e "$1" "$err"; then
        fail "stderr lacks: $1"
        _once
    fi
}
expect_no_err() {
    if grep -a -q -F -e "$1" "$err"; then
        fail "stderr has: $1"
        _once
    fi
}
expect_out() {
    if ! grep -a -q -F -e "$1" "$out"; then
        fail "stdout lacks: $1"
        _once
    fi
}
expect_no_out() {
    if grep -a -q -F -e "$1" "$out"; then
        fail "stdout has: $1"
        _once
    fi
}
expect_err_empty() {
    if [ -s "$err" ]; then
        fail "stderr is not empty"
        _once
    fi
}
expect_out_empty() {
    if [ -s "$out" ]; then
        fail "stdout is not empty"
        _once
    fi
}
expect_time() {
    local limit
    limit=$(awk -v s="$1" -v k="$time_scale" 'BEGIN { print s * k }')
    if awk -v e="$elapsed" -v l="$limit" 'BEGIN { exit !(e > l) }'; then
        fail "took ${elapsed}s of CPU time, more than ${limit}s"
        _once
    fi
}

list_cases() {
    declare -F | sed -n 's/^declare -f case_//p'
}

main() {
    local names=() n
    while [ $# -gt 0 ]; do
        case $1 in
        --list) list_cases; exit 0 ;;
        --ecsc) ecsc=$2; shift 2 ;;
        --ecsc=*) ecsc=${1#--ecsc=}; shift ;;
        -h|--help) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) names+=("$1"); shift ;;
        esac
    done
    case $ecsc in /*) ;; *) ecsc=$(pwd)/$ecsc ;; esac
    if [ ! -x "$ecsc" ]; then
        echo "$(basename "$0"): ecsc not found or not executable: $ecsc" >&2
        exit 2
    fi
    if grep -a -q -e '__asan_init' -e '__ubsan_handle' "$ecsc" 2>/dev/null; then
        time_scale=4
    fi
    [ ${#names[@]} -gt 0 ] || mapfile -t names < <(list_cases)

    local passed=0 failed=0
    top=$(mktemp -d "${TMPDIR:-/tmp}/ecsc-test.XXXXXX") || exit 2
    trap 'rm -rf "$top"' EXIT
    for n in "${names[@]}"; do
        if ! declare -F "case_$n" >/dev/null; then
            echo "FAIL  $n: no such case (try --list)"
            failed=$((failed + 1))
            continue
        fi
        work=$top/$n
        mkdir -p "$work"
        case_failures=0
        case_name=$n
        # A subshell per case: cd and variables do not leak between cases.
        if (cd "$work" || exit 2; "case_$n"; [ "$case_failures" -eq 0 ]); then
            echo "ok    $n"
            passed=$((passed + 1))
        else
            echo "FAIL  $n"
            failed=$((failed + 1))
        fi
        rm -rf "$work"
    done
    echo "$(basename "$0" .sh): $passed passed, $failed failed"
    [ $failed -eq 0 ]
}
