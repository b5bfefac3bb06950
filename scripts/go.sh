#!/usr/bin/env bash
# Sets up everything kinesim needs on a fresh Debian machine (as root, package registries
# reachable), then runs one job:
#   demo   the main job: `kinesim run` on the shipped default scenario, scenarios/steady.json
#   test   the whole suite: C++ (dev), C++ under ASan+UBSan, the decoder and scenario-loader
#          fuzzers for a bounded time each, ruff, and pytest (API, CLI, golden scenarios,
#          conformance against kinesalite and aws-kinesis-agg)
#   bench  the benchmarks in bench/ (release build)
# Re-running is cheap: installed packages, the venv and the build trees are reused.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${JOBS:-$(nproc)}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}

log() { printf '\n== %s\n' "$*" >&2; }

apt_packages=(build-essential cmake ninja-build pkg-config libeigen3-dev libboost-graph-dev
  nlohmann-json3-dev libssl-dev libgtest-dev libgmock-dev pybind11-dev clang
  libclang-rt-14-dev python3 python3-venv python3-pip chromium chromium-driver)

setup_system() {
  local missing=()
  for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
  if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

setup_python() {
  if [ ! -x .venv/bin/python ]; then
    log "creating .venv"
    python3 -m venv .venv
  fi
  log "installing kinesim into .venv (builds the C++ core)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q ".[test]"
}

cpp_preset() {
  log "C++ preset $1: configure, build, test"
  cmake --preset "$1" >/dev/null
  cmake --build --preset "$1" -j "$JOBS"
  ctest --preset "$1" -j "$JOBS"
}

fuzz() {
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -j "$JOBS"
  local target corpus scratch
  for target in deaggregate scenario_loader; do
    case $target in
      deaggregate) corpus=tests/fuzz/corpus_deaggregate ;;
      scenario_loader) corpus=tests/fuzz/corpus_scenario ;;
    esac
    log "fuzzing $target for ${FUZZ_SECONDS}s"
    # New inputs go to a scratch folder (listed first); the shipped corpus stays read-only.
    scratch=$(mktemp -d)
    build/fuzz/tests/fuzz/fuzz_$target -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 \
      "$scratch" "$corpus" 2>&1 | tail -n 4
    rm -rf "$scratch"
  done
}

case "${1:-}" in
  demo)
    setup_system
    setup_python
    log "kinesim run scenarios/steady.json (results in kinesim-out/steady-within-capacity/)"
    .venv/bin/kinesim run scenarios/steady.json
    ;;
  test)
    setup_system
    cpp_preset dev
    cpp_preset asan-ubsan
    fuzz
    setup_python
    log "ruff (Python lint)"
    .venv/bin/ruff check python tests bench
    log "pytest (Python API, CLI, shipped scenarios against their golden outputs, conformance with kinesalite and aws-kinesis-agg)"
    .venv/bin/python -m pytest -q tests/python
    ;;
  bench)
    setup_system
    setup_python
    .venv/bin/python -m pip install -q simpy
    cmake --preset release >/dev/null
    cmake --build --preset release -j "$JOBS"
    for b in build/release/bench/bench_*; do
      case "$(basename "$b")" in bench_engine | bench_write_path | bench_floor) continue ;; esac
      log "$b"
      "$b"
    done
    log "engine vs std::priority_queue vs SimPy"
    .venv/bin/python bench/engine_vs_simpy.py --bin build/release/bench/bench_engine
    log "write path: throughput and memory"
    .venv/bin/python bench/write_path.py --bin build/release/bench/bench_write_path
    log "fidelity: exact and fast mode as ratios to the bare per-record floor of the same run"
    .venv/bin/python bench/fidelity.py --bin-dir build/release/bench
    log "read path: the write path with three consumer applications, as a ratio"
    .venv/bin/python bench/read_path.py --bin build/release/bench/bench_write_path
    log "sweep: 12 runs on a local Dask cluster, 2 workers against 1"; .venv/bin/python bench/sweep.py
    log "KPL fleet: 10,000 instances against 100 carrying the same 200 records/s"
    .venv/bin/python bench/kpl_fleet.py
    log "plan: kinesim plan on 100 shards at 50 % load for 1 h, 3 seeds, against one run"
    .venv/bin/python bench/plan.py --duration 1h
    ;;
  *)
    echo "usage: scripts/go.sh demo|test|bench" >&2
    exit 2
    ;;
esac
