#!/usr/bin/env bash
# Kill a training run with SIGKILL mid-training, resume it, and check that it
# ends with the same test metrics as the same run left alone.
#
#   scripts/check-resume.sh [BUILD_DIR] [OUT_DIR]
#
# 1. runs `translate` to the end (the reference);
# 2. starts the same run again, waits until it has written a checkpoint past
#    step KILL_AFTER, and kills it with kill -9 (no chance to clean up);
# 3. runs `translate --resume` on the killed run's folder;
# 4. compares the two summaries' test metrics, which must be equal to the last digit.
# Exits non-zero when they differ. Both runs use the same seed and thread
# count (THREADS, default 1).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${1:-build}
out=${2:-runs/resume-check}
kill_after=${KILL_AFTER:-100}  # steps; the run has 188
flags=(--task dates --train-size 6000 --epochs 2 --eval-every 25 --hidden 64 --embed 32 --seed 7 --threads "${THREADS:-1}"
       --samples 0 --out "$out" --quiet)
mkdir -p "$out"

echo "== reference: uninterrupted run"
"$build/bin/translate" "${flags[@]}" --name full --overwrite > "$out/full.json"

echo "== the same run, killed with SIGKILL after a checkpoint past step $kill_after"
"$build/bin/translate" "${flags[@]}" --name killed --overwrite > "$out/killed-first.json" &
pid=$!
metrics="$out/killed/metrics.csv"
last_step() { tail -n 1 "$metrics" 2>/dev/null | cut -d, -f1 || true; }
while kill -0 "$pid" 2>/dev/null; do
  step=$(last_step)
  if [[ "$step" =~ ^[0-9]+$ ]] && (( step > kill_after )); then
    kill -9 "$pid"
    break
  fi
  sleep 0.2
done
wait "$pid" 2>/dev/null && { echo "the run finished before it could be killed; lower KILL_AFTER" >&2; exit 1; }
echo "killed at logged step $(last_step)"

echo "== resumed with --resume"
"$build/bin/translate" --resume --name killed --out "$out" --quiet > "$out/killed.json"

metric() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" "$2"; }
status=0
for key in test_exact_match test_token_accuracy test_loss steps; do
  a=$(metric "$key" "$out/full.json"); b=$(metric "$key" "$out/killed.json")
  printf '%-22s uninterrupted %-22s killed+resumed %-22s %s\n' "$key" "$a" "$b" "$([ "$a" = "$b" ] && echo same || echo DIFFERENT)"
  [ "$a" = "$b" ] || status=1
done
exit "$status"
