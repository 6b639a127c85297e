#!/usr/bin/env bash
# Tests for the tree-sitter grammar in grammar/.
#
#   1. grammar/src is what `tree-sitter generate --abi 14` makes of grammar.js
#      (regenerated in a temporary copy, never in place);
#   2. `tree-sitter test` in grammar/ (corpus, query syntax, highlight
#      assertions in grammar/test/highlight/);
#   3. every samples/**/*.ecs parses without an error, and every
#      grammar/test/invalid/*.ecs fails to parse;
#   4. `tree-sitter highlight` with the repository's queries marks a keyword,
#      and the highlight captures use standard names.
#
# Usage: scripts/test-grammar.sh   (from any directory)
# Needs: the tree-sitter CLI 0.25 ($TREE_SITTER, $HOME/.cargo/bin/tree-sitter
# or PATH), node (to evaluate grammar.js) and a C compiler (to build the
# parser). Nothing is written inside the repository: the CLI's config, its
# compiled parsers and its lock files all go to a temporary directory.
#
# The last line is `grammar: N passed, M failed`; the exit status is 0 only
# when M is 0.

set -u

script_dir=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$script_dir/.." && pwd)
cd "$root" || exit 2

passed=0
failed=0
pass() { passed=$((passed + 1)); printf 'ok    %s\n' "$1"; }
fail() { failed=$((failed + 1)); printf 'FAIL  %s\n' "$1"; }
finish() {
    printf 'grammar: %d passed, %d failed\n' "$passed" "$failed"
    [ "$failed" -eq 0 ]
    exit $?
}
indent() { sed 's/^/      /'; }

# --- the CLI -----------------------------------------------------------------
ts=${TREE_SITTER:-}
if [ -z "$ts" ]; then
    if [ -x "$HOME/.cargo/bin/tree-sitter" ]; then
        ts=$HOME/.cargo/bin/tree-sitter
    elif command -v tree-sitter >/dev/null 2>&1; then
        ts=$(command -v tree-sitter)
    fi
fi
if [ -z "$ts" ] || ! "$ts" --version >/dev/null 2>&1; then
    echo "tree-sitter CLI not found (looked at \$TREE_SITTER, $HOME/.cargo/bin/tree-sitter, PATH)" >&2
    fail "tree-sitter CLI available"
    finish
fi
echo "using $("$ts" --version) at $ts"

# --- a private environment for the CLI ---------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ecs-grammar.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/config" "$tmp/lib" "$tmp/cache" "$tmp/parsers"
# The loader finds grammars in directories named tree-sitter-*.
ln -s "$root/grammar" "$tmp/parsers/tree-sitter-ecs"
printf '{\n  "parser-directories": ["%s"]\n}\n' "$tmp/parsers" >"$tmp/config/config.json"
export TREE_SITTER_DIR="$tmp/config"     # config.json
export TREE_SITTER_LIBDIR="$tmp/lib"     # compiled parsers
export XDG_CACHE_HOME="$tmp/cache"       # the CLI's compile lock files
export XDG_CONFIG_HOME="$tmp/config"
[ -t 1 ] || export NO_COLOR=1

# --- 1. generated sources are up to date ---------------------------------------
mkdir -p "$tmp/generate"
cp -R grammar/. "$tmp/generate/"
if (cd "$tmp/generate" && "$ts" generate --abi 14) >"$tmp/generate.log" 2>&1; then
    if diff -r "$tmp/generate/src" grammar/src >"$tmp/generate.diff" 2>&1; then
        pass "grammar/src matches 'tree-sitter generate --abi 14'"
    else
        head -n 40 "$tmp/generate.diff" | indent
        fail "grammar/src is stale: run 'tree-sitter generate --abi 14' in grammar/"
    fi
else
    indent <"$tmp/generate.log"
    fail "tree-sitter generate --abi 14"
fi

# --- 2. corpus, query and highlight tests --------------------------------------
if (cd grammar && "$ts" test) >"$tmp/test.log" 2>&1; then
    indent <"$tmp/test.log"
    pass "tree-sitter test"
else
    indent <"$tmp/test.log"
    fail "tree-sitter test"
fi

# --- 3. samples parse, invalid files do not ------------------------------------
samples=$(find samples -type f -name '*.ecs' 2>/dev/null | LC_ALL=C sort)
good_sample=
if [ -z "$samples" ]; then
    echo "skip  no samples/**/*.ecs to parse"
else
    while IFS= read -r f; do
        if "$ts" parse -q --scope source.ecs "$f" >"$tmp/parse.log" 2>&1; then
            pass "parses: $f"
            [ -n "$good_sample" ] || good_sample=$f
        else
            indent <"$tmp/parse.log"
            fail "parses: $f"
        fi
    done <<EOF
$samples
EOF
fi

invalid=$(find grammar/test/invalid -type f -name '*.ecs' 2>/dev/null | LC_ALL=C sort)
if [ -z "$invalid" ]; then
    fail "grammar/test/invalid/*.ecs exist"
else
    while IFS= read -r f; do
        if "$ts" parse -q --scope source.ecs "$f" >"$tmp/parse.log" 2>&1; then
            fail "rejected: $f (parsed without an error)"
        elif grep -q -e '(ERROR' -e '(MISSING' "$tmp/parse.log"; then
            pass "rejected: $f"
        else
            indent <"$tmp/parse.log"
            fail "rejected: $f (the CLI failed, not the parse)"
        fi
    done <<EOF
$invalid
EOF
fi

# --- 4. highlighting with the repository's queries -----------------------------
# The first sample that parsed, else the highlight test file.
sample=${good_sample:-grammar/test/highlight/sample.ecs}
keywords='cluster|service|task|role|policy|log_group|import|param|in'
if "$ts" highlight --html --css-classes --scope source.ecs "$sample" >"$tmp/highlight.html" 2>"$tmp/highlight.err" &&
    grep -E -q "<span class='keyword'>($keywords)</span>" "$tmp/highlight.html"; then
    pass "highlight marks a keyword in $sample (HTML)"
else
    indent <"$tmp/highlight.err"
    fail "highlight marks a keyword in $sample (HTML)"
fi

esc=$(printf '\033')
if "$ts" highlight --scope source.ecs "$sample" >"$tmp/highlight.ansi" 2>"$tmp/highlight.err" &&
    grep -E -q "${esc}\\[[0-9;]*m($keywords)${esc}\\[0m" "$tmp/highlight.ansi"; then
    pass "highlight marks a keyword in $sample (ANSI)"
else
    indent <"$tmp/highlight.err"
    fail "highlight marks a keyword in $sample (ANSI)"
fi

# `--check` also lists the locals.scm captures (local.*), which are standard
# for a locals query; any other name it reports is not.
if "$ts" highlight --check --scope source.ecs "$sample" >/dev/null 2>"$tmp/check.err"; then
    nonstandard=$(sed -n 's/^\* //p' "$tmp/check.err" | grep -v '^local\.' || true)
    if [ -z "$nonstandard" ]; then
        pass "highlight captures use standard names"
    else
        printf '%s\n' "$nonstandard" | indent
        fail "highlight captures use standard names"
    fi
else
    indent <"$tmp/check.err"
    fail "highlight --check"
fi

finish
