#!/usr/bin/env bash
# The README's sampler trade-off table: each row is one `./ncsn evaluate` of the shipped model (FID, KID, IS and
# seconds per image at --count samples), printed as its JSON line. Usage: scripts/sampler-tradeoff.sh [COUNT [ROW-FILTER]]
# Rows are "sampler|steps-per-level|options"; network evaluations per image follow from them (the JSON says).
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-1000}"
only="${2:-}"   # optional: run only the row written exactly so, e.g. "ancestral|1|"
# The shipped NCSNv2 model has 99 levels, so T = 1 is 99 evaluations and T = 10 is 990 (plus the final step's one).
# ε is left open: a designed model gives each T Technique 4's ε for it.
rows=(
  "annealed-langevin|10|"
  "annealed-langevin|5|"
  "ancestral|1|"
  "probability-flow|1|"
  "predictor-corrector|1|correctorSteps=0"
  "consistent-annealed|1|"
  "annealed-langevin|1|"
  "ancestral|2|"
)
for row in "${rows[@]}"; do
  [[ -n "$only" && "$row" != "$only" ]] && continue
  IFS='|' read -r sampler steps opts <<<"$row"
  args=(evaluate --checkpoint models/fashion-mnist --count "$count" --seed 0 --sampler "$sampler" --steps-per-level "$steps"
        --final-denoise)
  [[ -n "$opts" ]] && args+=(-O "$opts")
  echo "# ./ncsn ${args[*]}" >&2
  ./ncsn "${args[@]}"
done
