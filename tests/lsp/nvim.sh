#!/usr/bin/env bash
# nvim.sh ECSC: Neovim (headless) opens a copy of samples/minimal.ecs with a
# misspelt cluster, its built-in client runs `ecsc lsp`, and the diagnostics
# it read back are the compiler's: code, place, message and hint.
set -eu -o pipefail
ecsc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if ! command -v nvim >/dev/null; then
	echo "nvim.sh: nvim is not installed (scripts/setup.sh test installs it)" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed 's/^service hello in demo {/service hello in dmeo {/' "$root/samples/minimal.ecs" >"$tmp/minimal.ecs"
grep -q 'in dmeo' "$tmp/minimal.ecs"
line=$(grep -n 'in dmeo' "$tmp/minimal.ecs" | cut -d: -f1)
# What the command line says of the same file, as the oracle.
want=$( ("$ecsc" check "$tmp/minimal.ecs" 2>&1 || true) | sed -n 's/^[^:]*:\([0-9]*\):\([0-9]*\): error\[\(E[0-9]*\)\]: \(.*\)$/\1:\2:\3:\4/p')
[ "$want" = "$line:18:E0011:unknown cluster \`dmeo\`" ] || { echo "unexpected: $want" >&2; exit 1; }
cd "$tmp"
HOME=$tmp XDG_CONFIG_HOME=$tmp XDG_DATA_HOME=$tmp XDG_STATE_HOME=$tmp ECSC=$ecsc OUT=$tmp/out \
	timeout 60 nvim --headless --clean -n -u NONE -i NONE minimal.ecs -c "luafile $here/nvim.lua" \
	</dev/null >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
got=$(cat "$tmp/out")
expect="$want | hint: did you mean \`demo\`?"
if [ "$got" != "$expect" ]; then
	printf 'Neovim read back:\n%s\nexpected:\n%s\n' "$got" "$expect" >&2
	exit 1
fi
echo "ok: Neovim shows $got"
