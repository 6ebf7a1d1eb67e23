#!/usr/bin/env bash
# The whole pipeline on real data: MSR Action3D (20 joints, 20 classes, 10 subjects), converted to a dataset
# folder, on seeded random 15/5 splits, every method side by side with the ridge baseline.
#   examples/msr_action3d.sh /path/to/msr_action3d [WORKDIR] [SPLITS...]
set -euo pipefail
src=${1:?usage: examples/msr_action3d.sh /path/to/msr_action3d [WORKDIR] [SPLITS...]}
work=${2:-work/msr_action3d}
shift $(( $# >= 2 ? 2 : 1 ))
splits=${*:-random:5:0 random:5:1 random:5:2}
methods=${METHODS:-ridge fsvae cadavae}
seeds=${SEEDS:-2}
zssar=${ZSSAR:-.venv/bin/zssar}
export HF_HUB_OFFLINE=1
set_args=(--set "store=$work/features" --set "results=$work/results")

[ -d "$work/data" ] || .venv/bin/python examples/msr_action3d_to_folder.py "$src" "$work/data"
$zssar embed --dataset "$work/data" "${set_args[@]}"
$zssar skeleton prepare --dataset "$work/data" "${set_args[@]}"
for split in $splits; do
  $zssar skeleton extract --dataset "$work/data" --split "$split" "${set_args[@]}"
  for method in $methods; do
    $zssar train --dataset "$work/data" --split "$split" --method "$method" --seeds "$seeds" "${set_args[@]}"
  done
done
$zssar report "${set_args[@]}"
