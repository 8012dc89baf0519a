#!/usr/bin/env bash
# The README's sampler trade-off table: each row is one `./ncsn evaluate` of the shipped model (FID, KID, IS and
# seconds per image at --count samples), printed as its JSON line. Usage: scripts/sampler-tradeoff.sh [COUNT]
# Rows are "sampler|steps-per-level|options"; network evaluations per image follow from them (the JSON says).
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-1000}"
rows=(
  "annealed-langevin|10|"
  "predictor-corrector|5|correctorSteps=1"
  "probability-flow|10|"
  "ancestral|10|"
  "probability-flow|10|heun=true"
)
for row in "${rows[@]}"; do
  IFS='|' read -r sampler steps opts <<<"$row"
  args=(evaluate --checkpoint models/fashion-mnist --count "$count" --seed 0 --sampler "$sampler" --steps-per-level "$steps"
        --final-denoise)
  [[ -n "$opts" ]] && args+=(-O "$opts")
  echo "# ./ncsn ${args[*]}" >&2
  ./ncsn "${args[@]}"
done
