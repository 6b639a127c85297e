#!/usr/bin/env bash
# setup.sh: install what is missing, build, then run the demo or the tests.
#
#   scripts/setup.sh run    build and compile a sample spec (the main job)
#   scripts/setup.sh test   build (plain and ASan+UBSan) and run the whole suite,
#                           then each fuzz target for ECSC_FUZZ_SECONDS (60)
#
# Safe to run again: installed packages and tools are skipped.
set -eu -o pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
mode=${1:-run}
jobs=$(nproc 2>/dev/null || echo 2)
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '==> %s\n' "$*"; }

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
	local missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		say "installing ${missing[*]}"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
	fi
}

build() {
	local dir=$1; shift
	cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
	ninja -C "$dir" -j "$jobs"
}

# The tree-sitter CLI regenerates and tests the grammar. It is built from
# the Rust crate registry; 0.25.10 generates ABI 14, which Debian's runtime
# (0.20.7) loads.
tree_sitter_cli() {
	if tree-sitter --version 2>/dev/null | grep -q '^tree-sitter 0\.25\.10'; then
		return 0
	fi
	if ! command -v cargo >/dev/null; then
		apt_install cargo
	fi
	say "building tree-sitter-cli 0.25.10 (a few minutes, once)"
	if ! cargo install tree-sitter-cli --version 0.25.10 --locked; then
		echo "setup: could not build tree-sitter-cli; the grammar test will be skipped" >&2
	fi
	command -v node >/dev/null || apt_install nodejs
}

# The fuzz targets (tests/fuzz) need clang and its libFuzzer runtime.
fuzz_tools() {
	command -v clang >/dev/null || apt_install clang
	# -print-file-name answers the bare name when the file is not there.
	[ -f "$(clang -print-file-name="libclang_rt.fuzzer-$(uname -m).a")" ] ||
		apt_install "libclang-rt-$(clang -dumpversion | cut -d. -f1)-dev"
}

# The test oracles: botocore's service models (API requests), cfn-lint
# (templates), moto (a local AWS endpoint), PyYAML (YAML templates),
# pytest-lsp (a language client for `ecsc lsp`).
python_tools() {
	local missing=()
	python3 -c 'import botocore, boto3' 2>/dev/null || missing+=(boto3 botocore)
	python3 -c 'import yaml' 2>/dev/null || missing+=(pyyaml)
	command -v cfn-lint >/dev/null || missing+=(cfn-lint)
	command -v moto_server >/dev/null || missing+=("moto[server]")
	python3 -c 'import pytest_lsp' 2>/dev/null || missing+=(pytest-lsp)
	if [ ${#missing[@]} -gt 0 ]; then
		say "installing ${missing[*]}"
		python3 -m pip install --quiet "${missing[@]}" ||
			python3 -m pip install --quiet --break-system-packages "${missing[@]}"
	fi
}

common_packages=(build-essential cmake ninja-build pkg-config
	libtree-sitter-dev libyaml-dev libcjson-dev libcurl4-openssl-dev libxml2-dev
	libinih-dev libssl-dev)

case "$mode" in
run)
	apt_install "${common_packages[@]}"
	build build
	say "ecsc compile samples/complete.ecs -o build/complete.cfn.json"
	./build/ecsc compile samples/complete.ecs -o build/complete.cfn.json
	say "ok: build/complete.cfn.json"
	;;
test)
	apt_install "${common_packages[@]}" python3 python3-pip ca-certificates graphviz neovim \
		zsh fish groff-base man-db
	tree_sitter_cli
	python_tools
	fuzz_tools
	build build
	build build-asan -DECSC_SANITIZE=ON
	status=0
	say "test suite"
	ctest --test-dir build --output-on-failure -j "$jobs" || status=1
	say "test suite under AddressSanitizer + UndefinedBehaviorSanitizer"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --test-dir build-asan --output-on-failure -j "$jobs" || status=1
	say "fuzz targets, ${ECSC_FUZZ_SECONDS:-60}s each (tests/fuzz/README.md)"
	tests/fuzz/run.sh --time "${ECSC_FUZZ_SECONDS:-60}" || status=1
	if [ $status = 0 ]; then say "all tests passed (plain, sanitized and fuzzed)"; fi
	exit $status
	;;
*)
	echo "usage: scripts/setup.sh run|test" >&2
	exit 2
	;;
esac
