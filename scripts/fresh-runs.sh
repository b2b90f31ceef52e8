#!/usr/bin/env bash
# Runs the README's test command as CI does (.ci/run), N times, each on a fresh
# clone of the committed HEAD with ../shared beside it: `CI=true make test` in
# DIR/run-K/main, DIR/run-K/shared a link to the real shared folder. Prints
# every failed test by file, suite and name (from node:test's TAP output), and
# a summary: each run's outcome, failures, and how long it and its phases took.
#
#   scripts/fresh-runs.sh [N]         (or: make fresh-runs N=3)
#
# FRESH_RUNS_DIR sets DIR (default: a new folder under /tmp). Each run's log is
# kept there as run-K.log; its clone is removed once it ends.
set -euo pipefail

runs=${1:-1}
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [N]   (N runs, 1 by default)" >&2; exit 2; }
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
shared=$(cd "$repo/../shared" 2>/dev/null && pwd -P) || { echo "no ../shared beside $repo" >&2; exit 2; }
commit=$(git -C "$repo" rev-parse HEAD)
base=${FRESH_RUNS_DIR:-$(mktemp -d /tmp/vpp-rpc-fresh-runs.XXXXXX)}
mkdir -p "$base"
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
  echo "note: uncommitted changes are not in the runs: they test $commit"
fi

# Failed tests in a log: "file: suite > test: first line of the error". Parents that only say
# that a subtest failed are left out; a hook or a file that failed outside any test is kept.
failures() {
  awk '
    function indent(s) { match(s, /^ */); return RLENGTH }
    function flush() {
      if (name != "" && type != "subtestsFailed") {
        path = ""
        for (i = 0; i < depth; i++) if (names[i] != "") path = path names[i] " > "
        sub(/:[0-9]+:[0-9]+$/, "", where)
        printf "  %s: %s%s: %s\n", (where == "" ? "?" : where), path, name, (error == "" ? type : error)
      }
      name = ""
    }
    /^ *# Subtest: / { level = indent($0) / 4; names[level] = substr($0, indent($0) + 12); next }
    /^ *not ok [0-9]+ - / && !/ # (TODO|SKIP)/ {
      flush()
      depth = indent($0) / 4; name = $0; sub(/^ *not ok [0-9]+ - /, "", name)
      where = ""; type = ""; error = ""; inblock = 1; errnext = 0; next
    }
    inblock && /^ *\.\.\.$/ && indent($0) == depth * 4 + 2 { inblock = 0; flush(); next }
    inblock {
      line = $0; sub(/^ */, "", line)
      if (errnext) { error = line; errnext = 0 }
      else if (line ~ /^location: /) { where = line; sub(/^location: '\''/, "", where); sub(/'\''$/, "", where) }
      else if (line ~ /^failureType: /) { type = line; sub(/^failureType: '\''?/, "", type); sub(/'\''$/, "", type) }
      else if (line ~ /^error: \|-?$/) errnext = 1
      else if (line ~ /^error: /) { error = line; sub(/^error: /, "", error) }
    }
  ' "$1" | sed "s|$base/run-[0-9]*/main/||"
}

declare -a outcome
for k in $(seq 1 "$runs"); do
  dir="$base/run-$k"
  log="$base/run-$k.log"
  rm -rf "$dir"
  mkdir -p "$dir"
  ln -s "$shared" "$dir/shared"
  git clone --quiet "$repo" "$dir/main"
  git -C "$dir/main" checkout --quiet --detach "$commit"
  echo "run $k/$runs: CI=true make test in $dir/main (log: $log)"
  start=$(date +%s)
  rc=0
  (cd "$dir/main" && CI=true make test) >"$log" 2>&1 || rc=$?
  secs=$(($(date +%s) - start))
  found=$(failures "$log")
  count=$(printf '%s' "$found" | grep -c . || true)
  if [ "$rc" -eq 0 ]; then
    result=passed
  else
    result="FAILED (make exit $rc)"
    if [ "$count" -eq 0 ]; then
      # no test failed: make stopped before or after the tests; its last words say why
      found=$(grep -v '^\s*$' "$log" | tail -15 | sed 's/^/  | /')
    fi
  fi
  tests=$(grep -o '^# duration_ms [0-9.]*' "$log" | tail -1 | awk '{ printf "%d s", $3 / 1000 }')
  phases=$(grep -o 'make test: .* took [0-9]* s' "$log" | sed 's/^make test: //' | paste -sd ',' - | sed 's/,/, /g')
  echo "run $k: $result in $((secs / 60)) min $((secs % 60)) s; $count failed tests; node:test ${tests:-did not end}"
  [ -n "$phases" ] && echo "  phases: $phases"
  [ -n "$found" ] && printf '%s\n' "$found"
  outcome[k]="run $k: $result, $count failed tests, $((secs / 60)) min $((secs % 60)) s${phases:+ ($phases)}"
  rm -rf "$dir"
done

echo
echo "summary: $runs runs of $commit"
printf '%s\n' "${outcome[@]}"
failed=$(printf '%s\n' "${outcome[@]}" | grep -c FAILED || true)
echo "$((runs - failed)) of $runs passed; logs in $base"
[ "$failed" -eq 0 ]
