#!/usr/bin/env bash
# `agri evaluate` on both generated truth sets: the sample cooperative (sample_data/demo +
# sample_data/truth) and the shifted one (sample_data/shifted + sample_data/shifted_truth).
# Each bundle is imported into its own workspace and trained with the default training settings
# (AGRI_TRAIN_EVERY_DAYS is unset: what `agri demo` trains), then evaluated against its truth;
# both reports are printed one after the other. Progress goes to stderr.
#
#   scripts/evaluate-both.sh [FOLDER] [--json]
#
# FOLDER holds the two workspaces (sample/, shifted/); without it a temporary folder is used
# and removed afterwards. An existing workspace in FOLDER is imported into again (idempotent)
# and retrained. Takes a few minutes on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."

folder=""
json=()
for arg in "$@"; do
  case "$arg" in
    --json) json=(--json) ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) folder="$arg" ;;
  esac
done
if [[ -z "$folder" ]]; then
  folder="$(mktemp -d)"
  trap 'rm -rf "$folder"' EXIT
fi
mkdir -p "$folder"

unset AGRI_TRAIN_EVERY_DAYS
agri=.venv/bin/agri
for name in sample shifted; do
  if [[ "$name" == sample ]]; then
    bundle=sample_data/demo truth=sample_data/truth
  else
    bundle=sample_data/shifted truth=sample_data/shifted_truth
  fi
  ws="$folder/$name"
  started=$SECONDS
  echo "== $name: importing $bundle into $ws" >&2
  "$agri" import "$bundle" --workspace "$ws" --no-refresh >&2
  echo "== $name: training" >&2
  "$agri" train --workspace "$ws" >/dev/null
  echo "== $name: evaluating against $truth" >&2
  if [[ ${#json[@]} -eq 0 ]]; then
    echo "################ $name: $bundle against $truth"
  fi
  "$agri" evaluate --workspace "$ws" --truth "$truth" "${json[@]}"
  echo "== $name: done in $((SECONDS - started)) s" >&2
  echo
done
