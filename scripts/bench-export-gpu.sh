#!/usr/bin/env bash
# Training throughput of the exported train.py on a GPU (run from the repository root):
#   bash scripts/bench-export-gpu.sh          # prints one RESULT line per configuration
# The projects are exported into bench-results/export-gpu/ with `npm run dmr -- export` when
# npm is there; on a GPU box without Node, export them first and copy that folder over.
# Data: the shipped CIFAR-10 sample tiled 10x (16,000 real images) as data_batch_1.bin; the
# second of 2 epochs gives the steady-state images/s. Env: OUT (logs), PY, STEPS, CPUFLAG.
set -u
B=bench-results/export-gpu
if command -v npm >/dev/null; then
  npm run -s dmr -- export --format pytorch --out $B/dmrnet-L12 --arch dmrnet --L 12 >/dev/null
  npm run -s dmr -- export --format pytorch --out $B/dmrnet-L54 --arch dmrnet --L 54 >/dev/null
  npm run -s dmr -- export --format pytorch --out $B/resnet-L12 --arch resnet --L 12 >/dev/null
fi
OUT=${OUT:-/tmp/out}
STEPS=${STEPS:-0}
PY=${PY:-python3}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
$PY -c "import torch, numpy; print('torch', torch.__version__, 'numpy', numpy.__version__, 'cuda', torch.cuda.is_available())"
$PY - <<'PY'
import gzip, os, numpy as np
s = "public/sample/cifar-10-sample/"
tr = np.frombuffer(gzip.open(s + "sample_data_batch.bin.gz").read(), np.uint8)
te = np.frombuffer(gzip.open(s + "sample_test_batch.bin.gz").read(), np.uint8)
os.makedirs("bench-results/export-gpu/data", exist_ok=True)
np.tile(tr, 10).tofile("bench-results/export-gpu/data/data_batch_1.bin")
te.tofile("bench-results/export-gpu/data/test_batch.bin")
print("data:", tr.size // 3073 * 10, "train,", te.size // 3073, "test images")
PY
bench() {  # name project launcher-args... -- train args...
  local name=$1 proj=$2; shift 2
  local start=$(date +%s)
  (cd $B/$proj && timeout 150 "$@" --data ../data --out "$OUT/$name" --epochs 2 --eval-every 0 $( [ "$STEPS" != 0 ] && echo --max-steps $STEPS ) > "$OUT/$name.log" 2>&1)
  local rc=$?
  tail -4 "$OUT/$name.log"
  $PY -c "import json,sys; d=json.load(open('$OUT/$name/metrics.json')); r=d['rows'][-1]; print('RESULT $name: %s params, %s, batch %d, world %d, amp %s: %.0f images/s (epoch %s, steady state), test error %.3f' % (d['params'], d['device'], d['batch_size'], d['world_size'], d['amp'], r['images_per_sec'], r['epoch'], r['test_error']))" 2>/dev/null || echo "RESULT $name: failed rc=$rc"
  echo "  ($(( $(date +%s) - start )) s wall)"
}
mkdir -p "$OUT"
bench dmrnet-L12-b64 dmrnet-L12 $PY train.py ${CPUFLAG:-}
bench dmrnet-L12-b128 dmrnet-L12 $PY train.py ${CPUFLAG:-} --batch-size 128
bench dmrnet-L12-b128-amp dmrnet-L12 $PY train.py ${CPUFLAG:-} --batch-size 128 --amp --channels-last
bench resnet-L12-b128 resnet-L12 $PY train.py ${CPUFLAG:-} --batch-size 128
bench dmrnet-L54-b128 dmrnet-L54 $PY train.py ${CPUFLAG:-} --batch-size 128
bench dmrnet-L54-b128-amp dmrnet-L54 $PY train.py ${CPUFLAG:-} --batch-size 128 --amp --channels-last
bench torchrun-dmrnet-L12-b128 dmrnet-L12 $PY -m torch.distributed.run --standalone --nproc_per_node 1 --redirects 1 --tee 1 train.py ${CPUFLAG:-} --batch-size 128
