#!/usr/bin/env bash
# cli.sh: the ecsc command line: help (each command's, from the option table),
# did you mean, explain, completions, the man page, version, usage errors, output
# formats, --emit, parameters, directory inputs and colour.
#
# Usage: tests/cli.sh [--ecsc PATH] [--list] [CASE...]

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

diagdir=$repo/tests/diagnostics

# A small clean spec, and one with three errors.
write_specs() {
    cat >ok.ecs <<'SPEC'
param tag: string = "1.27"
param grace: duration = 30s

cluster main {}

service web in main {
  desired_count             = 2
  cpu                       = 0.25 vcpu
  memory                    = 512 MiB
  health_check_grace_period = grace
  network { subnets = ["subnet-0a1b2c3d4e5f60718"] }
  container app {
    image = "nginx:${tag}"
    port http {
      container_port = 80
    }
  }
}

project "ok"
SPEC
    cat >bad.ecs <<'SPEC'
cluster main {
  container_insight = enabled
}

service web in mian {
  launch_type = FARGAT
  container app {
    image = "nginx:1.27"
  }
}
SPEC
}

has_esc() { grep -a -q $'\033\\[' "$1"; }

# ---- help and version -------------------------------------------------------------

case_help() {
    local a
    for a in --help -h help; do
        run -- "$a"
        expect_status 0
        expect_out 'usage: ecsc <command> [options] FILE|DIR|- ...'
        expect_out 'exit status: 0 clean, 1 errors in the spec, 2 usage or I/O errors'
        expect_out 'an import that is unreadable or over 16 MiB is an error in the spec (1)'
        expect_err_empty
    done
}

case_help-lists-every-option() {
    run -- --help
    local o
    for o in check graph --set --values --emit --diagnostics --color --help --version; do
        expect_out "$o"
    done
}

# Each command's own help: its usage line, exactly its options (written out
# here, not read from the table), an example, and not the global help.
command_options() {
    local spec='--set --values --import-root' common='--diagnostics --diagnostics-file --color --help'
    local aws='--profile --region --endpoint-url --debug'
    case $1 in
    check) echo "$spec --emit $common" ;;
    graph) echo "$spec --emit --inputs $common" ;;
    compile) echo "$spec --emit --project --target --format --output --depfile --export-prefix $common" ;;
    plan) echo "$spec --project $aws --json --out --prune $common" ;;
    apply) echo "$spec --project $aws --prune --parallelism --no-wait --timeout --yes --auto-approve $common" ;;
    destroy) echo "$spec --project $aws --parallelism --yes --auto-approve $common" ;;
    scale) echo "$spec --project $aws --wait --timeout $common" ;;
    whoami) echo "$aws --help" ;;
    fmt) echo "--check --diagnostics --color --help" ;;
    lsp) echo "--stdio --help" ;;
    explain|completion|help|version) echo "--help" ;;
    esac
}
# The options a command takes without its help listing them, as it always
# has: plan, apply and destroy each other's, whoami the others' (ignored).
command_tolerates() {
    case $1 in
    plan) echo "--emit --no-wait --yes --auto-approve --parallelism --timeout" ;;
    apply) echo "--emit --json" ;;
    destroy) echo "--emit --json --prune --no-wait --timeout" ;;
    scale) echo "--emit" ;;
    whoami) echo "--set --values --import-root --emit --project --diagnostics --color --timeout" ;;
    esac
}
all_commands="check compile graph plan apply destroy scale whoami fmt lsp explain completion help version"

case_help-of-every-command() {
    local c o all
    all=$("$ecsc" --help | grep -o -E -- '--[a-z][a-z-]*' | sort -u)
    for c in $all_commands; do
        run -- "$c" --help
        expect_status 0
        expect_err_empty
        expect_out "usage: ecsc $c"
        expect_out "example:"
        expect_no_out "commands:"
        expect_no_out "exit status:"
        grep -q -E "^  ecsc $c( |\$)" "$out" || fail "$c --help: the example is not an \`ecsc $c\` line"
        local mine=" $(command_options "$c") "
        [ "$mine" != "  " ] || fail "no options written down for $c"
        for o in $all; do
            if [[ $mine == *" $o "* ]]; then
                grep -q -E -- "(^|[ ,])$o([ =,]|\$)" "$out" || fail "$c --help does not list $o"
            elif grep -q -E -- "^  (-[a-z], |--[a-z-]+, )?$o([ =,]|\$)" "$out"; then
                fail "$c --help lists $o, which is not $c's"
            fi
        done
        run -- "$c" -h
        expect_out "usage: ecsc $c"
    done
    # help COMMAND is the command's help.
    "$ecsc" compile --help >a.txt
    run -- help compile
    expect_status 0
    cmp -s a.txt "$out" || fail "help compile differs from compile --help"
}

# The table is all there is: every option a command accepts is in its
# --help, and every option its --help lists it accepts. A command-line
# literal in the sources ("--name") that the help does not list fails.
case_every-option-in-the-table() {
    local all c o
    all=$("$ecsc" --help | grep -o -E -- '--[a-z][a-z-]*' | sort -u)
    local f lit
    for f in "$repo"/compiler/*.c "$repo"/runtime/*.c; do
        case $f in */cli.c) continue ;; esac
        for lit in $(grep -o -E -- '["`]--[a-z][a-z0-9-]*' "$f" | cut -c 2- | sort -u); do
            grep -q -x -F -- "$lit" <<<"$all" ||
                fail "$(basename "$f") handles \`$lit\`, which the option table (ecsc --help) lacks"
        done
    done
    "$ecsc" --help >global.txt
    echo '{}' >values.json
    for c in check compile graph plan apply destroy scale whoami fmt lsp; do
        local mine=" $(command_options "$c") " also=" $(command_tolerates "$c") "
        for o in $all; do
            [ "$o" = --version ] && continue
            # The option, a valid value when the help shows one, then
            # --help: accepted means the command's help (0).
            local v=()
            if grep -q -E -- "^  (-[a-z], )?$o( [A-Za-z]|=)" global.txt; then
                case $o in
                --set) v=(a=b) ;; --values) v=(values.json) ;; --import-root) v=(.) ;;
                --emit) v=(ast) ;; --diagnostics) v=(text) ;; --color) v=(never) ;;
                --target) v=(bundle) ;; --format) v=(json) ;; --parallelism) v=(4) ;;
                --timeout) v=(1m) ;; *) v=(x) ;;
                esac
            fi
            run -- "$c" "$o" "${v[@]}" --help
            if [[ $mine == *" $o "* ]]; then
                [ "$status" -eq 0 ] || fail "$c refuses $o, which its --help lists"
            elif [[ $also == *" $o "* ]]; then
                [ "$status" -eq 0 ] || fail "$c refuses $o, which it has always taken"
            else
                [ "$status" -ne 0 ] || fail "$c accepts $o, which its --help does not list"
                expect_err "does not take \`$o\`"
            fi
        done
    done
}

case_did-you-mean-command() {
    run -- chek x.ecs
    expect_status 2
    expect_err 'unknown command `chek`; did you mean `check`?'
    run -- complie x.ecs
    expect_err 'did you mean `compile`?'
    run -- explian E0100
    expect_err 'did you mean `explain`?'
    run -- help chek
    expect_status 2
    expect_err 'did you mean `check`?'
    run -- frobnicate x.ecs
    expect_no_err 'did you mean'
}

case_set-value-reported-once() {
    # One wrong element of a --set list used by two services is one
    # error, not one per use; the good element between them none.
    cat >two.ecs <<'SPEC'
param subnets: list(string)

cluster main {}

service web in main {
  cpu    = 0.25 vcpu
  memory = 512 MiB
  network { subnets = subnets }
  container app { image = "nginx:1.27" }
}

service api in main {
  cpu    = 0.25 vcpu
  memory = 512 MiB
  network { subnets = subnets }
  container app { image = "nginx:1.27" }
}
SPEC
    run -- check two.ecs --set subnets=a,subnet-0a1b2c3d,b
    expect_status 1
    expect_err '<command line>:1:15: error[E0224]: `a` is not a subnet id'
    expect_err '<command line>:1:33: error[E0224]: `b` is not a subnet id'
    expect_err "2 errors, 0 warnings"
    [ "$(grep -c 'error\[E0224\]' "$err")" -eq 2 ] ||
        fail "E0224 reported $(grep -c 'error\[E0224\]' "$err") times, expected 2"
    run -- check two.ecs --set subnets=a --diagnostics=json
    expect_status 1
    [ "$(grep -o '"code":[[:space:]]*"E0224"' "$err" | wc -l)" -eq 1 ] ||
        fail "JSON has E0224 $(grep -o '"code":[[:space:]]*"E0224"' "$err" | wc -l) times, expected 1"
}

case_did-you-mean-option() {
    write_specs
    run -- compile --tagret bundle ok.ecs
    expect_status 2
    expect_err 'unknown option `--tagret`; did you mean `--target`?'
    expect_err "Try 'ecsc compile --help'."
    expect_out_empty
    run -- plan --prnue ok.ecs
    expect_status 1
    expect_err 'did you mean `--prune`?'
    run -- check --colour=never ok.ecs
    expect_err 'did you mean `--color`?'
    # An option of another command says whose it is.
    run -- check --target bundle ok.ecs
    expect_status 2
    expect_err '`ecsc check` does not take `--target` (an option of compile)'
    run -- check --frobnicate ok.ecs
    expect_no_err 'did you mean'
}

# ecsc explain CODE prints docs/diagnostics.md's section on CODE, for every
# code compiler/internal.h declares (the section is cut out here with
# python, independently of the C).
case_explain-every-code() {
    local codes code n=0
    codes=$(sed -n -E 's/^[[:space:]]*X\(([EW][0-9]{4}),.*/\1/p' "$repo/compiler/internal.h")
    [ -n "$codes" ] || fail "no codes in compiler/internal.h"
    for code in $codes; do
        run -- explain "$code"
        expect_status 0
        expect_err_empty
        python3 - "$repo/docs/diagnostics.md" "$code" "$out" <<'PY' || fail "explain $code is not its section"
import re, sys
doc = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"^### %s\n" % sys.argv[2], doc, re.M)
lines, fenced = [], False
for i, line in enumerate(doc[m.start():].splitlines(True)):
    if i and not fenced and line.startswith("#"):
        break
    if line.startswith("```"):
        fenced = not fenced
    if not line.startswith("<!--"):
        lines.append(line)
got = open(sys.argv[3], encoding="utf-8").read()
if got != "".join(lines) or len(lines) < 3:
    print("want %d lines, got %d" % (len(lines), got.count("\n")))
    sys.exit(1)
PY
        n=$((n + 1))
    done
    [ "$n" -ge 30 ] || fail "only $n codes explained"
    run -- explain e0100
    expect_status 0
    expect_out '### E0100'
    run -- explain E0999
    expect_status 2
    expect_err 'no diagnostic `E0999`; did you mean'
    run -- explain
    expect_status 2
}

# Completions: the scripts are loaded in each shell and asked to complete
# a command, an option and an option's value.
case_completion-bash() {
    run -- completion bash
    expect_status 0
    cp "$out" ecsc.bash
    bash --norc --noprofile -c '
        . ./ecsc.bash
        comp() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
                 _ecsc; [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"; }
        echo "== ch"; comp ecsc ch
        echo "== compile --tar"; comp ecsc compile --tar
        echo "== compile --target "; comp ecsc compile --target ""
        echo "== check --co"; comp ecsc check --co
        echo "== check --color = "; comp ecsc check --color = ""
        echo "== check --tar"; comp ecsc check --tar
        echo "== explain E010"; comp ecsc explain E010
        echo "== completion "; comp ecsc completion ""
        echo "== check ok"; comp ecsc check ok
        echo "== fmt --ch"; comp ecsc fmt --ch
        echo "== apply --auto"; comp ecsc apply --auto
        echo "== l"; comp ecsc l
    ' >comp.txt 2>&1 || fail "bash could not load the completion"
    touch ok.ecs
    python3 - comp.txt <<'PY' || fail "bash completion: $(cat comp.txt)"
import sys
groups, cur = {}, None
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("== "):
        cur = line[3:]; groups[cur] = []
    elif cur is not None:
        groups[cur].append(line)
want = {"ch": ["check"], "compile --tar": ["--target"],
        "compile --target ": ["cloudformation", "bundle"],
        "check --co": ["--color="], "check --color = ": ["auto", "always", "never"],
        "check --tar": [], "completion ": ["bash", "zsh", "fish"],
        "fmt --ch": ["--check"], "apply --auto": ["--auto-approve"], "l": ["lsp"]}
bad = [k for k, v in want.items() if sorted(groups.get(k, [None])) != sorted(v)]
if "E0100" not in groups.get("explain E010", []):
    bad.append("explain E010")
if bad:
    print("wrong:", bad, groups); sys.exit(1)
PY
}

case_completion-zsh() {
    command -v zsh >/dev/null || { fail "zsh is not installed (scripts/setup.sh test installs it)"; return; }
    run -- completion zsh
    expect_status 0
    mkdir -p fn && cp "$out" fn/_ecsc
    zsh -n fn/_ecsc || fail "the zsh script does not parse"
    # An interactive zsh in a pseudo-terminal (zsh/zpty), asked to
    # complete (a tab, then the line is shown and thrown away).
    cat >drive.zsh <<'ZSH'
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z 'PS1="> "; fpath=($PWD/fn $fpath); autoload -Uz compinit; compinit -u -D; ecsc() { }'
zpty -w -n z $'print -r -- READY\n'
for line in 'ecsc compile --tar' 'ecsc compl' 'ecsc apply --auto'; do
    zpty -w -n z "$line"$'\t'
    sleep 1
    zpty -w -n z $'\C-a print -r -- GOT \C-e\n'
done
zpty -w -n z $'exit\n'
sleep 1
while zpty -r -t z chunk; do print -rn -- "$chunk"; done
ZSH
    TERM=dumb zsh -f drive.zsh >comp.txt 2>&1
    local t; t=$(tr -d '\r' <comp.txt)
    grep -q -- '^GOT ecsc compile --target' <<<"$t" ||
        fail "zsh did not complete --tar to --target: $(tail -c 600 comp.txt | cat -v)"
    grep -q -- '^GOT ecsc completion' <<<"$t" || fail "zsh did not complete compl to completion"
    grep -q -- '^GOT ecsc apply --auto-approve' <<<"$t" ||
        fail "zsh did not complete --auto to --auto-approve"
}

case_completion-fish() {
    command -v fish >/dev/null || { fail "fish is not installed (scripts/setup.sh test installs it)"; return; }
    run -- completion fish
    expect_status 0
    cp "$out" ecsc.fish
    HOME=$PWD fish --no-config -c '
        source ecsc.fish
        echo "== ch"; complete -C "ecsc ch"
        echo "== compile --tar"; complete -C "ecsc compile --tar"
        echo "== compile --target "; complete -C "ecsc compile --target "
        echo "== fmt --ch"; complete -C "ecsc fmt --ch"
        echo "== apply --auto"; complete -C "ecsc apply --auto"
    ' >comp.txt 2>&1 || fail "fish could not load the completion: $(cat comp.txt)"
    grep -q -E '^check\b' comp.txt || fail "fish: ch does not complete to check"
    grep -q -E '^--target\b' comp.txt || fail "fish: --tar does not complete to --target"
    grep -q -E '^bundle\b' comp.txt || fail "fish: --target does not offer bundle"
    grep -q -E '^--check\b' comp.txt || fail "fish: fmt --ch does not complete to --check"
    grep -q -E '^--auto-approve\b' comp.txt || fail "fish: --auto does not complete to --auto-approve"
}

# The man page is built beside ecsc from the same table; it renders without
# a warning and names every command and option.
case_man-page() {
    local page; page=$(dirname "$ecsc")/ecsc.1
    [ -f "$page" ] || { fail "no man page at $page"; return; }
    groff -man -ww -z "$page" 2>warn.txt || fail "groff failed"
    [ ! -s warn.txt ] || fail "groff warns: $(cat warn.txt)"
    MANWIDTH=100 man -l "$page" 2>warn.txt >page.txt || fail "man -l failed"
    [ ! -s warn.txt ] || fail "man -l warns: $(cat warn.txt)"
    local c o
    for c in $all_commands; do
        grep -q -E "^ +ecsc $c( |\$)" page.txt || fail "the man page has no \`ecsc $c\`"
    done
    for o in $("$ecsc" --help | grep -o -E -- '--[a-z][a-z-]*' | sort -u); do
        grep -q -E -- "^ +(-[a-z], |--[a-z-]+, )?$o" page.txt || fail "the man page has no $o"
    done
    grep -q 'EXIT STATUS' page.txt || fail "no EXIT STATUS section"
}

case_no-arguments() {
    run --
    expect_status 2
    expect_err 'usage: ecsc'
    expect_out_empty
}

case_version() {
    local a
    for a in --version version; do
        run -- "$a"
        expect_status 0
        expect_err_empty
        if ! grep -E -q '^ecsc [0-9]+\.[0-9]+\.[0-9]+$' "$out"; then
            fail "--version prints \`$(head -n 1 "$out")\`, not \`ecsc X.Y.Z\`"
        fi
    done
}

case_version-matches-cmake() {
    local want
    want=$(sed -n 's/^project(ecsc VERSION \([0-9.]*\).*/\1/p' "$repo/CMakeLists.txt")
    run -- --version
    [ -z "$want" ] || expect_out "ecsc $want"
}

# ---- usage errors (exit 2) --------------------------------------------------------------

case_unknown-command() {
    run -- frobnicate x.ecs
    expect_status 2
    expect_err 'ecsc: unknown command `frobnicate`'
    expect_err "Try 'ecsc --help'."
    expect_out_empty
}

case_unknown-option() {
    write_specs
    run -- check --frobnicate ok.ecs
    expect_status 2
    expect_err 'ecsc: unknown option `--frobnicate`'
    expect_out_empty
}

case_unknown-emit-stage() {
    write_specs
    run -- check --emit=llvm ok.ecs
    expect_status 2
    expect_err 'unknown stage `llvm`'
    expect_out_empty
}

case_unknown-diagnostics-format() {
    write_specs
    run -- check --diagnostics=xml ok.ecs
    expect_status 2
    expect_err 'unknown diagnostics format `xml`'
}

case_bad-color-value() {
    write_specs
    run -- check --color=sometimes ok.ecs
    expect_status 2
    expect_err '--color takes auto, always or never'
}

case_no-input-files() {
    run -- check --color=never
    expect_status 2
    expect_err 'no input files'
}

case_option-without-value() {
    write_specs
    run -- check ok.ecs --set
    expect_status 2
    expect_out_empty
    run -- check ok.ecs --values
    expect_status 2
}

case_options-take-separate-values() {
    write_specs
    run -- check --color never --diagnostics json --set tag=2 --emit ast ok.ecs
    expect_status 0
    expect_out '(param tag string (string "2"))'
}

# ---- diagnostics: text and JSON ------------------------------------------------------------

case_clean-spec-is-silent() {
    write_specs
    run -- check ok.ecs
    expect_status 0
    expect_err_empty
    expect_out_empty
}

case_summary-line() {
    write_specs
    run -- check --color=never bad.ecs
    expect_status 1
    expect_err '3 errors, 0 warnings'
    if [ "$(tail -n 1 "$err")" != '3 errors, 0 warnings' ]; then
        fail "the summary is not the last line of stderr"
    fi
    printf 'cluster main {\n  bogus = 1\n}\n' >one.ecs
    run -- check --color=never one.ecs
    expect_err '1 error, 0 warnings'
}

case_text-format() {
    write_specs
    run -- check --color=never bad.ecs
    expect_status 1
    # location, code and message; the source line; the caret; the hint
    expect_err 'bad.ecs:2:3: error[E0100]: `cluster main` has no field `container_insight`'
    expect_err '2 |   container_insight = enabled'
    expect_err '  |   ^~~~~~~~~~~~~~~~~'
    expect_err '  = hint: did you mean `container_insights`?'
}

# The code and position of every diagnostic, from the text (stdin: stderr
# of a text run) and from JSON (the file given).
text_codes() { grep -a -o -E '^[^ ]+:[0-9]+:[0-9]+: (error|warning)\[[EW][0-9]{4}\]' | sed -E 's/^.*:([0-9]+):([0-9]+): [a-z]+\[(.*)\]$/\3 \1:\2/'; }
json_codes() {
    python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
for d in doc["diagnostics"]:
    print(d["code"], "%d:%d" % (d["span"]["line"], d["span"]["column"]))
' "$1"
}

case_json-is-json() {
    write_specs
    run -- check --diagnostics=json bad.ecs
    expect_status 1
    if ! python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
assert isinstance(doc["diagnostics"], list) and doc["diagnostics"], "no diagnostics"
assert doc["errors"] == 3 and doc["warnings"] == 0, (doc["errors"], doc["warnings"])
for d in doc["diagnostics"]:
    assert d["severity"] in ("error", "warning", "note"), d
    assert d["code"][0] in "EW" and len(d["code"]) == 5, d
    assert d["message"], d
    s = d["span"]
    assert s["file"] == "bad.ecs", s
    for k in ("line", "column", "end_line", "end_column", "start_byte", "end_byte"):
        assert isinstance(s[k], int), (k, s)
    assert isinstance(d["notes"], list), d
' "$err"; then
        fail "--diagnostics=json output is not the expected JSON"
        show_output
    fi
    expect_out_empty
}

case_json-clean() {
    write_specs
    run -- check --diagnostics=json ok.ecs
    expect_status 0
    if ! python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc == {"diagnostics": [], "errors": 0, "warnings": 0}, doc
' "$err"; then
        fail "--diagnostics=json on a clean spec"
        show_output
    fi
}

case_json-same-codes-as-text() {
    # Every golden case: the same codes at the same places in both formats.
    local f n bad=0
    for f in "$diagdir"/*.ecs; do
        n=$(basename "$f")
        (cd "$diagdir" && "$ecsc" check --color=never "$n" 2>"$work/text.err" >/dev/null)
        local s1=$?
        (cd "$diagdir" && "$ecsc" check --diagnostics=json "$n" 2>"$work/json.err" >/dev/null)
        local s2=$?
        if [ $s1 -ne $s2 ]; then
            fail "$n: exit status $s1 in text mode, $s2 in JSON mode"
            bad=1
            continue
        fi
        text_codes <"$work/text.err" >"$work/text.codes"
        if ! json_codes "$work/json.err" >"$work/json.codes" 2>"$work/json.log"; then
            fail "$n: JSON does not parse: $(tail -n 1 "$work/json.log")"
            continue
        fi
        if ! cmp -s "$work/text.codes" "$work/json.codes"; then
            fail "$n: text and JSON diagnostics differ"
            diff -u --label text --label json "$work/text.codes" "$work/json.codes" | sed 's/^/        /'
        fi
    done
}

case_json-notes-and-hints() {
    printf 'cluster main {}\ncluster main {}\n' >dup.ecs
    run -- check --diagnostics=json dup.ecs
    expect_status 1
    if ! python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["diagnostics"][0]
assert d["code"] == "E0010", d
assert d["notes"][0]["message"] == "first declared here", d
assert d["notes"][0]["span"]["line"] == 1 and d["notes"][0]["span"]["column"] == 9, d
' "$err"; then
        fail "a note in JSON"
        show_output
    fi
    printf 'cluster main {\n  container_insight = enabled\n}\n' >hint.ecs
    run -- check --diagnostics=json hint.ecs
    if ! python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["diagnostics"][0]
assert d["hint"] == "did you mean `container_insights`?", d
s = d["span"]
assert (s["line"], s["column"], s["end_line"], s["end_column"]) == (2, 3, 2, 20), s
assert (s["start_byte"], s["end_byte"]) == (17, 34), s
' "$err"; then
        fail "a hint and span in JSON"
        show_output
    fi
}

case_json-escapes() {
    # Quotes, backslashes and non-ASCII text in messages stay valid JSON.
    printf 'role r {\n  description = "caf\xc3\xa9 \\q"\n}\ncluster "x\\"y" {}\n' >esc.ecs
    run -- check --diagnostics=json esc.ecs
    if ! python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$err"; then
        fail "JSON with escapes does not parse"
        show_output
    fi
}

# ---- --emit ---------------------------------------------------------------------------------

# --diagnostics-file: the JSON to a file (or stdout), the text on stderr.
case_diagnostics-file() {
    write_specs
    run -- check --diagnostics-file d.json bad.ecs
    expect_status 1
    expect_err 'error[E0011]'
    expect_out_empty
    text_codes <"$err" >text.txt
    json_codes d.json >json.txt || fail "d.json is not the JSON rendering"
    [ -s text.txt ] && cmp -s text.txt json.txt || fail "the file's codes are not stderr's"
    run -- check --diagnostics-file - bad.ecs
    expect_status 1
    json_codes "$out" >json2.txt || fail "stdout is not JSON"
    cmp -s text.txt json2.txt || fail "stdout's codes are not stderr's"
    # A clean spec writes an empty list; a path the compilation read is refused.
    run -- check --diagnostics-file d.json ok.ecs
    expect_status 0
    python3 -c 'import json,sys; d=json.load(open("d.json")); sys.exit(d["diagnostics"] != [])' ||
        fail "a clean spec's file is not an empty list"
    cp bad.ecs keep.ecs
    run -- check --diagnostics-file bad.ecs bad.ecs
    expect_status 2
    expect_err 'is an input of this compilation'
    cmp -s bad.ecs keep.ecs || fail "the input was overwritten"
    run -- check --diagnostics-file nodir/d.json ok.ecs
    expect_status 2
    [ ! -e nodir ] || fail "a directory was made"
}

# Fixes in the JSON (replacement text and span), applied to the spec, make
# their diagnostics go away: did-you-mean for a field, a cluster, a unit
# and an enum value, and a unit added to a bare duration.
case_json-fixes-apply() {
    cat >fix.ecs <<'SPEC'
project "fix"
cluster main {}
service web in mian {
  desired_count             = 2
  cpu                       = 0.25 vcpu
  memory                    = 512 MB
  launch_type               = FARGAT
  health_check_grace_period = 30
  network { subnets = ["subnet-0a1b2c3d4e5f60718"] }
  container app {
    imgae = "nginx:1.27"
  }
}
SPEC
    run -- check --diagnostics=json fix.ecs
    expect_status 1
    cp "$err" d.json
    python3 - d.json fix.ecs <<'PY' || fail "the fixes are not as expected"
import json, sys
d = json.load(open(sys.argv[1]))
src = open(sys.argv[2], "rb").read()
fixes = [(x["code"], f) for x in d["diagnostics"] for f in x["fixes"]]
got = sorted((c, src[f["span"]["start_byte"]:f["span"]["end_byte"]].decode(), f["replacement"])
             for c, f in fixes)
want = sorted([("E0011", "mian", "main"), ("E0006", "MB", "MiB"), ("E0100", "imgae", "image"),
               ("E0101", "30", "30s"), ("E0103", "FARGAT", "FARGATE")])
for c, f in fixes:
    s = f["span"]
    line = src.decode().splitlines()[s["line"] - 1]
    assert line[s["column"] - 1:s["end_column"] - 1] == src[s["start_byte"]:s["end_byte"]].decode()
if got != want:
    print("got ", got); print("want", want); sys.exit(1)
# Apply from the end so that earlier offsets stay right.
for c, f in sorted(fixes, key=lambda cf: -cf[1]["span"]["start_byte"]):
    s = f["span"]
    src = src[:s["start_byte"]] + f["replacement"].encode() + src[s["end_byte"]:]
open(sys.argv[2], "wb").write(src)
PY
    run -- check fix.ecs
    expect_status 0
    expect_err_empty
}

case_emit-ast() {
    write_specs
    run -- check --emit=ast ok.ecs
    expect_status 0
    expect_err_empty
    expect_out '(project "ok")'
    expect_out '(param tag string (string "1.27"))'
    expect_out '(param grace duration (duration 30000 ms))'
    expect_out '(cluster "main" @4:1)'
    expect_out '(service "web" in main @6:1'
    expect_out '  desired_count = (int 2)'
    expect_out '  memory = (size 512 MiB)'
    expect_out '  health_check_grace_period = (ref grace)'
    expect_out '  (container "app" @12:3'
    expect_out '    image = (string "nginx:" ${(ref tag)})'
    expect_out '    (port "http" @14:5'
    expect_out '      container_port = (int 80)))'
}

case_emit-ast-units() {
    printf 'param d: duration = 1500ms\nparam h: duration = 1h\nparam day: duration = 2d\nparam t: size = 1 TiB\ncluster main {}\nservice web in main {\n  cpu = 0.5 vcpu\n  memory = 2 GiB\n  health_check_grace_period = 2m\n  network { subnets = [\"subnet-0a1b2c3d4e5f60718\"] }\n  container app {\n    image = "nginx:1.27"\n    memory_reservation = 524288KiB\n    stop_timeout = 90s\n  }\n}\n' >u.ecs
    run -- check --emit=ast u.ecs
    expect_status 0
    expect_out '(param d duration (duration 1500 ms))'
    expect_out '(param h duration (duration 3600000 ms))'
    expect_out '(param day duration (duration 172800000 ms))'
    expect_out '(param t size (size 1048576 MiB))'
    expect_out 'cpu = (CPU amount 512 units)'
    expect_out 'memory = (size 2048 MiB)'
    expect_out 'health_check_grace_period = (duration 120000 ms)'
    expect_out 'memory_reservation = (size 512 MiB)'
    expect_out 'stop_timeout = (duration 90000 ms)'
}

case_emit-cst() {
    write_specs
    run -- check --emit=cst ok.ecs
    expect_status 0
    expect_out '; ok.ecs'
    expect_out '(source_file (param name: (identifier) type: (type name: (identifier)) default: (string (string_content)))'
    expect_out '(declaration name: (identifier) parent: (identifier) body: (body'
    expect_out '(block kind: (identifier) label: (identifier) body: (body'
}

case_emit-with-errors() {
    # A dump is still printed when the spec has errors, for debugging.
    write_specs
    run -- check --color=never --emit=ast bad.ecs
    expect_status 1
    expect_out '(cluster "main" @1:1'
    expect_err 'error[E0100]'
}

case_emit-nothing-on-usage-error() {
    run -- check --emit=ast missing.ecs
    expect_status 2
    expect_out_empty
}

# ---- the resource graph ------------------------------------------------------------------

case_graph-dot() {
    write_specs
    run -- graph ok.ecs
    expect_status 0
    expect_err_empty
    if [ "$(head -n 1 "$out")" != 'digraph ecsc {' ] || [ "$(tail -n 1 "$out")" != '}' ]; then
        fail "\`ecsc graph\` does not print a DOT digraph"
        show_output
    fi
    expect_out 'AWS::ECS::Service'
}

case_graph-needs-a-clean-spec() {
    write_specs
    run -- graph --color=never bad.ecs
    expect_status 1
    expect_err 'error[E0100]'
    expect_out_empty
    run -- check --emit=graph --color=never bad.ecs
    expect_status 1
    expect_out_empty
}

# The graph JSON of a spec: ids unique, every dependency an id of the graph.
graph_json_ok() {
    python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["version"] == 1, doc.get("version")
res = doc["resources"]
assert isinstance(res, list) and res, "no resources"
ids = [r["id"] for r in res]
assert len(ids) == len(set(ids)), "duplicate ids"
for r in res:
    for k in ("id", "type", "properties", "depends_on"):
        assert k in r, (k, r["id"])
    assert r["type"].startswith("AWS::"), r["type"]
    for d in r["depends_on"]:
        assert d in ids, "%s depends on unknown %s" % (r["id"], d)
        assert d != r["id"], "%s depends on itself" % r["id"]
' "$1"
}

case_graph-json() {
    write_specs
    run -- check --emit=graph ok.ecs
    expect_status 0
    graph_json_ok "$out" || { fail "--emit=graph JSON"; show_output; }
}

case_graph-json-samples() {
    # Every sample's graph is well-formed (a sample must check clean; see
    # the sample/ tests).
    local s n=0
    for s in "$repo"/samples/*.ecs "$repo"/samples/*/; do
        [ -e "$s" ] || continue
        s=${s%/}
        "$ecsc" check --emit=graph "$s" >graph.json 2>graph.err
        local st=$?
        if [ $st -ne 0 ]; then
            fail "${s#"$repo"/}: exit status $st"
            continue
        fi
        graph_json_ok graph.json 2>graph.log || fail "${s#"$repo"/}: $(tail -n 1 graph.log)"
        n=$((n + 1))
    done
    [ $n -gt 0 ] || echo "      note: no samples yet"
}

# ---- parameters -----------------------------------------------------------------------------

case_set-overrides-default() {
    write_specs
    run -- check --emit=ast --set tag=1.28 ok.ecs
    expect_status 0
    expect_out '(param tag string (string "1.28"))'
    run -- check --emit=ast --set grace=2m ok.ecs
    expect_status 0
    expect_out '(param grace duration (duration 120000 ms))'
}

case_set-last-wins() {
    write_specs
    run -- check --emit=ast --set tag=a --set tag=b ok.ecs
    expect_status 0
    expect_out '(param tag string (string "b"))'
}

case_set-invalid-duration() {
    write_specs
    run -- check --color=never --set grace=soon ok.ecs
    expect_status 1
    expect_err '<command line>:1:13: error[E0009]: expected a duration, found `soon`'
    run -- check --color=never --set grace=30 ok.ecs
    expect_status 1
    expect_err '<command line>:1:13: error[E0009]: parameter `grace` is a duration, but this is an integer'
    expect_err 'ok.ecs:2:7: note: `grace` is declared here'
}

case_set-invalid-value-reported-once() {
    # One bad value, one diagnostic (not one per use of the parameter).
    write_specs
    run -- check --color=never --set grace=30 ok.ecs
    expect_status 1
    expect_err '1 error, 0 warnings'
}

case_set-unknown-unit() {
    write_specs
    run -- check --color=never --set grace=5parsecs ok.ecs
    expect_status 1
    expect_err 'error[E0006]: unknown unit `parsecs`'
}

case_set-unknown-parameter-suggests() {
    write_specs
    run -- check --color=never --set gracee=1m ok.ecs
    expect_status 1
    expect_err '<command line>:1:7: error[E0012]: unknown parameter `gracee`'
    expect_err 'did you mean `grace`?'
}

case_set-makes-unset-param-usable() {
    printf 'param tag: string\ncluster main {}\nservice web in main {\n  cpu = 256\n  memory = 512\n  network { subnets = [\"subnet-0a1b2c3d4e5f60718\"] }\n  container app { image = "nginx:${tag}" }\n}\n' >p.ecs
    run -- check --color=never p.ecs
    expect_status 1
    expect_err 'error[E0013]: parameter `tag` has no value'
    run -- check --color=never --set tag=1.27 p.ecs
    expect_status 0
    expect_err_empty
}

case_set-list-parameter() {
    printf 'param subnets: list(string) = ["a"]\nparam ports: list(int) = [80]\ncluster main {}\n' >p.ecs
    run -- check --emit=ast --set subnets=subnet-1,subnet-2 --set ports=80,443 p.ecs
    expect_status 0
    expect_out '(param subnets list(string) (list (string "subnet-1") (string "subnet-2")))'
    expect_out '(param ports list(int) (list (int 80) (int 443)))'
    run -- check --color=never --set ports=80,http p.ecs
    expect_status 1
    expect_err 'error[E0009]'
}

# A --set value is a spec literal without quotes or brackets: spaces around
# it and its elements are not part of it, whatever the type (`n=1 ` and
# `n= 1` were one accepted, one refused); `a,,b` is `[a,,b]`, an error (it
# was an empty subnet); `a,b,` is `[a, b,]`; nothing is `[]`.
case_set-blanks-and-empty-elements() {
    printf 'param l: list(string) = ["x"]\nparam ports: list(int) = [1]\nparam n: int = 0\nparam s: string = "y"\nparam d: duration = 1s\nparam on: bool = false\ncluster main {}\n' >p.ecs
    run -- check --emit=ast --set 'n=1 ' --set 'd= 30s ' --set 's= a b ' --set 'on=	true' p.ecs
    expect_status 0
    expect_out '(param n int (int 1))'
    expect_out '(param d duration (duration 30000 ms))'
    expect_out '(param s string (string "a b"))'
    expect_out '(param on bool (bool true))'
    run -- check --emit=ast --set 'n= 1' --set 'l= a , b ,' --set 'ports=' p.ecs
    expect_status 0
    expect_out '(param n int (int 1))'
    expect_out '(param l list(string) (list (string "a") (string "b")))'
    expect_out '(param ports list(int) (list))'
    run -- check --emit=ast --set 'l= ' p.ecs
    expect_status 0
    expect_out '(param l list(string) (list))'
    run -- check --color=never --set l=subnet-0a1b2c3d,,subnet-0b2c3d4e p.ecs
    expect_status 1
    expect_err '<command line>:1:25: error[E0009]: empty element in the list for `l`'
    expect_err '`l=` is the empty list'
    expect_err '1 error, 0 warnings'
    run -- check --color=never --set 'ports=80, ,443' --set l=, p.ecs
    expect_status 1
    expect_err '<command line>:1:17: error[E0009]: empty element in the list for `ports`'
    expect_err '<command line>:2:9: error[E0009]: empty element in the list for `l`'
    run -- check --color=never --set 'n=' p.ecs
    expect_status 1
    expect_err 'error[E0009]: expected an int, found ``'
}

# A --values entry is JSON's value, verbatim: `[""]` is one empty string
# (as in a spec), not the empty list, and a trailing "" is kept.
case_values-verbatim() {
    printf 'param l: list(string) = ["x"]\nparam n: int = 0\ncluster main {}\n' >p.ecs
    echo '{"l": ["a", ""]}' >v.json
    run -- check --emit=ast --values v.json p.ecs
    expect_status 0
    expect_out '(param l list(string) (list (string "a") (string "")))'
    echo '{"l": [""]}' >v.json
    run -- check --emit=ast --values v.json p.ecs
    expect_out '(param l list(string) (list (string "")))'
    echo '{"l": [], "n": 2}' >v.json
    run -- check --emit=ast --values v.json p.ecs
    expect_out '(param l list(string) (list))'
    expect_out '(param n int (int 2))'
    echo '{"l": [" a "], "n": " 1"}' >v.json
    run -- check --color=never --emit=ast --values v.json p.ecs
    expect_status 1
    expect_out '(param l list(string) (list (string " a ")))'
    expect_err 'error[E0009]: expected an int, found ` 1`'
    # 0x1f ends a list element inside ecsc: a value holding one is refused.
    printf '{"l": ["a\\u001fb"]}' >v.json
    run -- check --values v.json p.ecs
    expect_status 2
    expect_err 'v.json: the value of `l` holds a unit separator (\u001f)'
}

case_values-file() {
    write_specs
    cat >v.json <<'JSON'
{"tag": "1.29", "grace": "45s"}
JSON
    run -- check --emit=ast --values v.json ok.ecs
    expect_status 0
    expect_err_empty
    expect_out '(param tag string (string "1.29"))'
    expect_out '(param grace duration (duration 45000 ms))'
}

case_values-types() {
    printf 'param n: int = 1\nparam x: number = 1\nparam on: bool = false\nparam tags: list(string) = []\nparam ports: list(int) = []\ncluster main {}\n' >p.ecs
    cat >v.json <<'JSON'
{"n": 3, "x": 2.5, "on": true, "tags": ["a", "b"], "ports": [80, 443]}
JSON
    run -- check --emit=ast --values v.json p.ecs
    expect_status 0
    expect_out '(param n int (int 3))'
    expect_out '(param x number (number 2.5))'
    expect_out '(param on bool (bool true))'
    expect_out '(param tags list(string) (list (string "a") (string "b")))'
    expect_out '(param ports list(int) (list (int 80) (int 443)))'
}

case_values-list-element-with-comma() {
    # A JSON list's elements are elements, whatever characters they hold.
    printf 'param names: list(string) = []\ncluster main {}\n' >p.ecs
    echo '{"names": ["a,b", "c"]}' >v.json
    run -- check --emit=ast --values v.json p.ecs
    expect_status 0
    expect_out '(param names list(string) (list (string "a,b") (string "c")))'
}

case_set-overrides-values() {
    write_specs
    echo '{"tag": "from-values"}' >v.json
    run -- check --emit=ast --set tag=from-set --values v.json ok.ecs
    expect_status 0
    expect_out '(param tag string (string "from-set"))'
}

case_values-invalid-value() {
    write_specs
    echo '{"grace": 30}' >v.json
    run -- check --color=never --values v.json ok.ecs
    expect_status 1
    expect_err 'error[E0009]'
}

case_values-unknown-parameter() {
    write_specs
    echo '{"colour": "blue"}' >v.json
    run -- check --color=never --values v.json ok.ecs
    expect_status 1
    expect_err 'error[E0012]: unknown parameter `colour`'
}

# ---- inputs ---------------------------------------------------------------------------------

case_directory-input() {
    mkdir spec
    printf 'cluster main {}\n' >spec/10-cluster.ecs
    printf 'service web in main {\n  cpu = 256\n  memory = 512\n  network { subnets = [\"subnet-0a1b2c3d4e5f60718\"] }\n  container app { image = "nginx:1.27" }\n}\n' >spec/20-web.ecs
    echo 'not a spec' >spec/notes.txt
    run -- check spec
    expect_status 0
    expect_err_empty
    run -- check --emit=ast spec
    expect_out '(cluster "main" @1:1)'
    expect_out '(service "web" in main @1:1'
}

case_directory-errors-in-name-order() {
    mkdir spec
    printf 'cluster main {\n  bogus_b = 1\n}\n' >spec/b.ecs
    printf 'role r {\n  bogus_a = 1\n}\n' >spec/a.ecs
    printf 'role q {\n  bogus_c = 1\n}\n' >spec/c.ecs
    run -- check --color=never spec
    expect_status 1
    local got
    got=$(grep -a -o -E '^spec/[abc]\.ecs:[0-9]+:[0-9]+' "$err" | tr '\n' ' ')
    if [ "$got" != 'spec/a.ecs:2:3 spec/b.ecs:2:3 spec/c.ecs:2:3 ' ]; then
        fail "diagnostics not in file-name order: $got"
        show_output
    fi
}

case_multiple-inputs-are-one-unit() {
    printf 'cluster main {}\n' >a.ecs
    printf 'service web in main {\n  cpu = 256\n  memory = 512\n  network { subnets = [\"subnet-0a1b2c3d4e5f60718\"] }\n  container app { image = "nginx:1.27" }\n}\n' >b.ecs
    run -- check b.ecs a.ecs
    expect_status 0
    expect_err_empty
    run -- check --color=never b.ecs
    expect_status 1
    expect_err 'error[E0011]: unknown cluster `main`'
}

case_same-file-twice() {
    printf 'cluster main {}\n' >a.ecs
    run -- check a.ecs ./a.ecs "$PWD/a.ecs"
    expect_status 0
    expect_err_empty
}

case_stdin-with-file() {
    printf 'cluster main {}\n' >a.ecs
    printf 'service web in main {\n  cpu = 256\n  memory = 512\n  network { subnets = [\"subnet-0a1b2c3d4e5f60718\"] }\n  container app { image = "nginx:1.27" }\n}\n' >b.ecs
    run --stdin b.ecs -- check - a.ecs
    expect_status 0
    expect_err_empty
}

case_import() {
    mkdir -p shared
    printf 'role exec {\n  assumed_by = ["ecs-tasks.amazonaws.com"]\n}\n' >shared/roles.ecs
    printf 'import "shared/roles.ecs"\ncluster main {\n  execution_role = exec\n}\n' >main.ecs
    run -- check main.ecs
    expect_status 0
    expect_err_empty
    # relative to the importing file, not to the working directory
    mkdir elsewhere
    (cd elsewhere && "$ecsc" check ../main.ecs) >/dev/null 2>"$work/imp.err" ||
        { fail "import resolved against the working directory"; cat "$work/imp.err"; }
}

# ---- colour ---------------------------------------------------------------------------------

# An output that resolves to an input (a spec, the values file, a directory
# input), or to the other output, is a usage error that writes nothing.
expect_unchanged() {   # FILE COPY
    cmp -s "$1" "$2" || fail "$1 was changed"
    local left
    left=$(find . -name '*.tmp*' | head -1)
    [ -z "$left" ] || fail "a temporary file was left: $left"
}

case_output-onto-input() {
    printf 'cluster main {}\n' >x.ecs
    cp x.ecs x.orig
    run -- compile x.ecs -o x.ecs
    expect_status 2
    expect_err 'ecsc: the output x.ecs is an input of this compilation; nothing was written'
    expect_unchanged x.ecs x.orig
    run -- compile x.ecs --depfile x.ecs -o out.json
    expect_status 2
    expect_err 'the depfile x.ecs is an input'
    expect_unchanged x.ecs x.orig
    [ ! -e out.json ] || fail "out.json was written"
    # Through another name: a symbolic link, a hard link, ./, stdin.
    ln -s x.ecs link.ecs
    ln x.ecs hard.ecs
    for o in link.ecs hard.ecs ./x.ecs; do
        run -- compile x.ecs -o "$o"
        expect_status 2
        expect_unchanged x.ecs x.orig
    done
    run --stdin x.ecs -- compile - -o x.ecs
    expect_status 2
    expect_unchanged x.ecs x.orig
    # An imported file, the values file, a directory input.
    mkdir d
    printf 'import "../x.ecs"\nrole r {}\n' >d/a.ecs
    echo '{}' >v.json
    cp v.json v.orig
    run -- compile d/a.ecs --import-root . -o x.ecs
    expect_status 2
    expect_unchanged x.ecs x.orig
    run -- compile x.ecs --values v.json -o v.json
    expect_status 2
    expect_err 'the output v.json is an input'
    expect_unchanged v.json v.orig
    run -- compile d -o d
    expect_status 2
    expect_err 'the output d is an input'
    # The output and the depfile are one file.
    run -- compile x.ecs -o out.json --depfile out.json
    expect_status 2
    expect_err 'the depfile out.json is also the output'
    [ ! -e out.json ] || fail "out.json was written"
    # A spec with errors is refused the same way (nothing is checked first).
    printf 'cluster {\n' >bad.ecs
    cp bad.ecs bad.orig
    run -- compile bad.ecs -o bad.ecs
    expect_status 2
    expect_unchanged bad.ecs bad.orig
    # Control: a fresh output is written.
    run -- compile x.ecs -o out.json --depfile out.d
    expect_status 0
    [ -s out.json ] && [ -s out.d ] || fail "the control outputs are missing"
}

case_no-color-when-not-a-tty() {
    write_specs
    run -- check bad.ecs
    expect_status 1
    has_esc "$err" && fail "escape codes on stderr that is not a terminal"
    run --env NO_COLOR=1 -- check bad.ecs
    has_esc "$err" && fail "escape codes with NO_COLOR=1"
    run -- check --color=never bad.ecs
    has_esc "$err" && fail "escape codes with --color=never"
    run --env NO_COLOR=1 -- check --color=auto bad.ecs
    has_esc "$err" && fail "escape codes with NO_COLOR=1 --color=auto"
    return 0
}

case_color-always() {
    write_specs
    run -- check --color=always bad.ecs
    expect_status 1
    has_esc "$err" || fail "no escape codes with --color=always"
    expect_err $'\033[1;31merror[E0100]\033[0m'
    # Without the escapes, the text is the plain rendering.
    sed $'s/\033\\[[0-9;]*m//g' "$err" >plain.err
    "$ecsc" check --color=never bad.ecs 2>never.err
    cmp -s plain.err never.err || { fail "--color=always differs from --color=never beyond escapes"; diff -u never.err plain.err | head -20; }
    return 0
}

case_color-on-a-tty() {
    # auto: colour on a terminal unless NO_COLOR is set. Needs script(1).
    if ! command -v script >/dev/null; then
        echo "      note: script(1) not found; terminal colour not tested"
        return 0
    fi
    write_specs
    script -qfec "'$ecsc' check bad.ecs" /dev/null >tty.out 2>&1 </dev/null
    has_esc tty.out || { fail "no colour on a terminal (--color=auto)"; head -3 tty.out | cat -v; }
    NO_COLOR=1 script -qfec "'$ecsc' check bad.ecs" /dev/null >tty2.out 2>&1 </dev/null
    has_esc tty2.out && { fail "colour on a terminal with NO_COLOR=1"; head -3 tty2.out | cat -v; }
    script -qfec "'$ecsc' check --color=never bad.ecs" /dev/null >tty3.out 2>&1 </dev/null
    has_esc tty3.out && { fail "colour on a terminal with --color=never"; head -3 tty3.out | cat -v; }
    return 0
}

# ---- plan, apply, destroy: what is refused before any call ---------------------------------
# (their calls are tested against a local endpoint in tests/runtime/)

case_plan-usage-errors-exit-1() {
    # plan's 2 means "changes": its own usage errors are 1.
    write_specs
    run -- plan
    expect_status 1
    expect_err "no input files"
    run -- plan --parallelism 0 ok.ecs
    expect_status 1
    run -- plan bad.ecs
    expect_status 1
    expect_err "error[E"
}

case_apply-usage-errors() {
    write_specs
    run -- apply --parallelism 0 ok.ecs
    expect_status 2
    expect_err "--parallelism takes 1 to 64"
    run -- apply --timeout soon ok.ecs
    expect_status 2
    expect_err "--timeout takes a duration"
    run -- apply --emit-nothing ok.ecs
    expect_status 2
    run -- destroy --yes
    expect_status 2
    expect_err "no input files"
}

case_apply-spec-errors() {
    write_specs
    run -- apply bad.ecs
    expect_status 1
    expect_err "error[E"
    expect_no_err "ecsc apply:"
}

case_deploy-needs-a-project() {
    # plan, apply, destroy and scale act on what carries the project's tag: a
    # spec that declares no project is refused before any call (exit 1,
    # an error in the spec), with the line that declares it.
    write_specs
    grep -v '^project' ok.ecs >anon.ecs
    run -- plan anon.ecs
    expect_status 1
    expect_err 'the spec declares no project'
    expect_err 'project "anon"'
    run -- apply anon.ecs
    expect_status 1
    run --stdin anon.ecs -- destroy --yes -
    expect_status 1
    expect_err 'project "NAME"'
    run -- scale anon.ecs web 3
    expect_status 1
    expect_err 'the spec declares no project'
    # check and compile stay silent; the bundle names no project and the
    # runtime refuses it.
    run -- check anon.ecs
    expect_status 0
    expect_err_empty
    run -- compile --target bundle -o anon.json anon.ecs
    expect_status 0
    grep -q '"project": null' anon.json || fail "the bundle names a project"
    run -- apply anon.json
    expect_status 2
    expect_err 'the bundle names no project'
    run -- plan anon.json
    expect_status 1
    expect_err 'the bundle names no project'
}

case_deploy-not-a-bundle() {
    printf '{"format": "something-else"}' >x.json
    run -- plan x.json
    expect_status 1
    expect_err "not an ecsc bundle"
    printf '{"format": "ecsc-bundle", "version": 2, "project": "p", "requests": []}' >v2.json
    run -- apply v2.json
    expect_status 2
    expect_err "bundle version 2 is not supported"
    printf '{"format": "ecsc-bundle", "version": 1, "project": "p", "requests": [{"id": 1}]}' >bad.json
    run -- apply bad.json
    expect_status 2
    expect_err "bundle request 1 is malformed"
    # Tags the runtime would add its own to must be a list, not an object.
    printf '%s' '{"format": "ecsc-bundle", "version": 1, "project": "p", "requests": [{"id": "T/R",
      "resource": "T", "service": "ecs", "operation": "RegisterTaskDefinition",
      "params": {"family": "f", "tags": {"k": "v"}}}]}' >tags.json
    run -- plan tags.json
    expect_status 1
    expect_err "bundle request 1 is malformed"
    printf '{"format": "ecsc-bundle", "version": 1, "project": "p", "requests": {}}' >norequests.json
    run -- apply norequests.json
    expect_status 2
    expect_err "the bundle has no list of requests"
    printf 'not json' >broken.json
    run -- destroy --yes broken.json
    expect_status 2
    expect_err "not valid JSON"
    run -- plan missing.json
    expect_status 1
    expect_err "cannot read"
}

case_deploy-without-credentials() {
    write_specs
    run --env HOME=$PWD --env AWS_ACCESS_KEY_ID= --env AWS_SECRET_ACCESS_KEY= \
        --env AWS_PROFILE= --env AWS_REGION=eu-west-1 -- plan ok.ecs --endpoint-url http://127.0.0.1:9
    expect_status 1
    expect_err "no AWS credentials"
    run --env HOME=$PWD --env AWS_ACCESS_KEY_ID= --env AWS_SECRET_ACCESS_KEY= \
        --env AWS_PROFILE= --env AWS_REGION=eu-west-1 -- apply ok.ecs --endpoint-url http://127.0.0.1:9
    expect_status 2
    expect_err "no AWS credentials"
}

case_deploy-unreachable-endpoint() {
    # Connection refused: retried with backoff, then a clear error.
    write_specs
    run --limit 60 --env HOME=$PWD --env AWS_ACCESS_KEY_ID=k --env AWS_SECRET_ACCESS_KEY=s \
        --env AWS_REGION=eu-west-1 -- plan ok.ecs --endpoint-url http://127.0.0.1:9
    expect_status 1
    expect_err "could not read the live state"
}

case_runtime-beside-ecsc() {
    # plan, apply, destroy and scale run ecsc-runtime from ecsc's directory
    # (or the PATH); without it, a clear error.
    write_specs
    cp "$ecsc" ./ecsc-alone
    PATH=/usr/bin:/bin ./ecsc-alone plan ok.ecs >out.txt 2>err.txt
    st=$?
    [ "$st" -eq 2 ] || fail "exit status $st without ecsc-runtime (expected 2)"
    grep -q "needs ecsc-runtime" err.txt || { fail "no clear error"; cat err.txt; }
    PATH=/usr/bin:/bin ./ecsc-alone check ok.ecs 2>err.txt ||
        { fail "check needs no runtime"; cat err.txt; }
    return 0
}

main "$@"
