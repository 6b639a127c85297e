#!/usr/bin/env bash
# grammar.sh: runs scripts/test-grammar.sh when the tree-sitter CLI (and
# node, which evaluates grammar.js) are available; otherwise says so loudly
# and exits 77, which ctest reports as skipped.
#
# Usage: tests/grammar.sh     (from any directory)

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

skip() {
    {
        echo '########################################################################'
        echo '##'
        echo "##  SKIPPED: the grammar tests did NOT run: $1"
        echo '##'
        echo '##  looked for the CLI at $TREE_SITTER, ~/.cargo/bin/tree-sitter and PATH'
        echo '##  install it:  cargo install tree-sitter-cli --version 0.25.10 --locked'
        echo '##  (or run scripts/setup.sh test, which does so)'
        echo '##'
        echo '########################################################################'
    } | tee /dev/stderr
    exit 77
}

ts=${TREE_SITTER:-}
if [ -z "$ts" ]; then
    if [ -x "$HOME/.cargo/bin/tree-sitter" ]; then
        ts=$HOME/.cargo/bin/tree-sitter
    elif command -v tree-sitter >/dev/null 2>&1; then
        ts=$(command -v tree-sitter)
    fi
fi
[ -n "$ts" ] && "$ts" --version >/dev/null 2>&1 || skip "tree-sitter CLI not found"
command -v node >/dev/null 2>&1 || skip "node not found (tree-sitter generate needs it)"

export TREE_SITTER=$ts
exec bash "$root/scripts/test-grammar.sh"
