#!/usr/bin/env bash
# Load test of `she infer` (RELIABILITY.md): N MNIST test images encrypted at the INSECURE TOY set,
# inferred in ONE `she infer` process with all cores, its resident memory sampled every 10 s and
# its peak measured by /usr/bin/time -v, then every result decrypted and compared with the
# plaintext reference engine's logits.
#
#   cargo build --release -p she-nn --bin she --example reference_logits
#   scripts/load-test.sh [N] [WORK_DIR]          (defaults: 50 images, /tmp/she-load-test)
#
# Environment: SHE_BIN_DIR (default target/release), MNIST_DIR (default ../shared/data/mnist).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-50}
WORK=${2:-/tmp/she-load-test}
BIN=${SHE_BIN_DIR:-target/release}
MNIST=${MNIST_DIR:-../shared/data/mnist}
MODEL=she-nn/models/mnist-she.model
SHE=$BIN/she
REFERENCE=$BIN/examples/reference_logits
[ -x "$REFERENCE" ] || REFERENCE=$BIN/reference_logits

rm -rf "$WORK" && mkdir -p "$WORK/ct"
"$SHE" keygen --params TOY --out "$WORK/keys" --quiet > "$WORK/keygen.log"
inputs=()
for ((i = 0; i < N; i++)); do
  ct=$(printf "%s/ct/img%04d.ct" "$WORK" "$i")
  "$SHE" encrypt --client-key "$WORK/keys/client.key" --idx "$MNIST/t10k-images-idx3-ubyte.gz" \
    --index "$i" --model "$MODEL" --out "$ct" > /dev/null
  inputs+=(--in "$ct")
done
echo "encrypted $N images; inferring them in one process"

start=$(date +%s)
/usr/bin/time -v -o "$WORK/time.txt" "$SHE" infer --server-key "$WORK/keys/server.key" \
  --model "$MODEL" "${inputs[@]}" --out-dir "$WORK/res" --quiet > "$WORK/infer.log" 2>&1 &
timer=$!
sleep 1
pid=$(pgrep -P "$timer" | head -1)
echo "seconds rss_kib results" > "$WORK/rss.tsv"
while kill -0 "$pid" 2> /dev/null; do
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2> /dev/null || true)
  done_count=$(find "$WORK/res" -name '*.res' 2> /dev/null | wc -l)
  [ -n "$rss" ] && echo "$(($(date +%s) - start)) $rss $done_count" >> "$WORK/rss.tsv"
  sleep 10
done
wait "$timer"
end=$(date +%s)
echo "infer: $((end - start)) s wall for $N images"
grep -E "Maximum resident|Elapsed|Exit status" "$WORK/time.txt"

"$REFERENCE" "$MODEL" "$MNIST" 0 "$N" > "$WORK/reference.txt"
correct=0
for ((i = 0; i < N; i++)); do
  res=$(printf "%s/res/img%04d.res" "$WORK" "$i")
  got=$("$SHE" decrypt --client-key "$WORK/keys/client.key" --in "$res" | sed -n 's/^logits: //p')
  want=$(sed -n "s/^$i [0-9]*: //p" "$WORK/reference.txt")
  if [ "$got" = "$want" ]; then
    correct=$((correct + 1))
  else
    echo "image $i: decrypted [$got], reference [$want]"
  fi
done
echo "results equal to the reference: $correct/$N"
[ "$correct" -eq "$N" ]
