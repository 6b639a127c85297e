#!/usr/bin/env bash
# dot.sh ECSC: `ecsc graph` on every sample renders with Graphviz, and the
# JSON dump of the graph is the same bytes on a second run.
set -u
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ecsc=$1
command -v dot >/dev/null || { echo "dot.sh: graphviz (dot) is not installed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
for s in "$root"/samples/*.ecs "$root"/samples/*/; do
	[ -e "$s" ] || continue
	s=${s%/}
	name=$(basename "$s")
	if "$ecsc" graph "$s" >"$tmp/g.dot" 2>"$tmp/err" && dot -Tsvg "$tmp/g.dot" >"$tmp/g.svg" 2>>"$tmp/err" &&
	   grep -q '<svg' "$tmp/g.svg" &&
	   "$ecsc" check --emit=graph "$s" >"$tmp/a.json" && "$ecsc" check --emit=graph "$s" >"$tmp/b.json" &&
	   cmp -s "$tmp/a.json" "$tmp/b.json"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $name"; sed 's/^/  | /' "$tmp/err"
	fi
done
echo "graph-dot: $pass passed, $fail failed"
[ $fail = 0 ] && [ $pass -gt 0 ]
