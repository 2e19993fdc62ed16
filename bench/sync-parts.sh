#!/usr/bin/env bash
# Rewrites the tail of docs/benchmarks.md from bench/<part>.md, as bench/run.sh writes it, without
# rerunning the load benchmark: for when one of those files changed (a new callgrind or criterion
# reading). Everything before the first part's heading is kept as it stands.
#   bash bench/sync-parts.sh        (OUT=docs/benchmarks.md)
# The parts and their order are bench/run.sh's; tests/benchmarks_doc.rs checks the page ends with them.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-docs/benchmarks.md}
parts=$(sed -n 's/^  for part in \(.*\); do$/\1/p' bench/run.sh)
[ -n "$parts" ] || { echo "bench/sync-parts.sh: no part list in bench/run.sh" >&2; exit 1; }
first=$(head -n1 "bench/${parts%% *}.md")
head_lines=$(grep -nxF -- "$first" "$OUT" | head -n1 | cut -d: -f1)
[ -n "$head_lines" ] || { echo "bench/sync-parts.sh: '$first' not found in $OUT" >&2; exit 1; }
tmp=$(mktemp)
# Up to the blank line before the first part's heading, then each part after a blank line.
head -n "$((head_lines - 2))" "$OUT" >"$tmp"
for part in $parts; do
  if [ -f "bench/$part.md" ]; then
    echo >>"$tmp"
    cat "bench/$part.md" >>"$tmp"
  fi
done
mv "$tmp" "$OUT"
echo "bench/sync-parts.sh: $OUT now ends with bench/{${parts// /,}}.md"
