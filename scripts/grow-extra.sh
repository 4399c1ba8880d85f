#!/usr/bin/env bash
# Coverage-guided growth of corpus/synthetic-extra (docs/coverage.md, "Growing the corpus"):
#   1. run the default corpus on every stack (or reuse results given as BASE_<stack>=path),
#   2. propose candidates for the translation functions those runs leave uncovered,
#   3. run the candidates on every stack,
#   4. keep the ones that add coverage (and feed missing input kinds) in corpus/synthetic-extra,
#      learning what reached what into corpus/synthetic-extra/reach.json,
#   5. re-run the new extra corpus on every stack and print the coverage of default + extra.
# usage: scripts/grow-extra.sh [WORK_DIR] [SEED]     (stacks: STACKS="debian modern")
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-out/grow}"
seed="${2:-$(date +%s)}"
stacks="${STACKS:-debian modern}"
convgate=(node bin/convgate.js)
mkdir -p "$work"

results=()
declare -A bases
for s in $stacks; do
  var="BASE_${s}"
  base="${!var:-}"
  if [ -z "$base" ]; then
    base="$work/base-$s/results.json"
    [ -f "$base" ] || "${convgate[@]}" run --stack "$s" --corpus default --out "$work/base-$s" --no-progress --no-report
  fi
  bases[$s]="$base"
  results+=(--results "$base")
done

"${convgate[@]}" generate --target uncovered "${results[@]}" --out "$work/cand" --seed "$seed"
candidates=()
for s in $stacks; do
  "${convgate[@]}" run --stack "$s" --corpus "$work/cand/cases.json" --out "$work/cand-$s" --no-progress --no-report
  candidates+=(--candidates "$work/cand-$s/results.json")
done
"${convgate[@]}" generate --keep "${results[@]}" "${candidates[@]}"

for s in $stacks; do
  "${convgate[@]}" run --stack "$s" --corpus synthetic-extra --out "$work/extra-$s" --no-progress --no-report
  echo "== $s: the default corpus it started from, then the new extra corpus alone =="
  "${convgate[@]}" report "$(dirname "${bases[$s]}")" | grep -A2 '^### Converter surface' | tail -1
  "${convgate[@]}" report "$work/extra-$s" | grep -A2 '^### Converter surface' | tail -1
done
