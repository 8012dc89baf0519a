#!/usr/bin/env bash
# Writes the small Fashion-MNIST subset committed at shared-model/src/test/resources/fashion-mnist-subset/ from
# the Debian package dataset-fashion-mnist (scripts/install-system-packages.sh --datasets installs it).
#
# The subset is the first TRAIN_N training images and the first TEST_N test images, with their labels, in the
# original gzip'd IDX format: the same 16-byte (images) / 8-byte (labels) big-endian header with the count
# rewritten, followed by the leading records of the original file, byte for byte. gzip -n leaves out the name and
# time stamp, so running this again produces identical files.
#
# usage: scripts/make-fashion-mnist-subset.sh [SOURCE_DIR [OUT_DIR]]
set -euo pipefail

TRAIN_N=${TRAIN_N:-1500}
TEST_N=${TEST_N:-500}
here=$(cd "$(dirname "$0")/.." && pwd)
src=${1:-/usr/share/datasets/fashion-mnist}
out=${2:-$here/shared-model/src/test/resources/fashion-mnist-subset}

for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
  if [[ ! -f $src/$f ]]; then
    echo "missing $src/$f: install the Debian package dataset-fashion-mnist" \
         "(scripts/install-system-packages.sh --datasets) or pass the directory holding the files" >&2
    exit 1
  fi
done
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# be32 N: N as four big-endian bytes
be32() {
  printf "\\x$(printf %02x $(( ($1 >> 24) & 255 )))\\x$(printf %02x $(( ($1 >> 16) & 255 )))"
  printf "\\x$(printf %02x $(( ($1 >> 8) & 255 )))\\x$(printf %02x $(( $1 & 255 )))"
}

# subset NAME COUNT KIND: KIND is images (header magic 0x00000803, 28x28) or labels (magic 0x00000801)
subset() {
  local name=$1 n=$2 kind=$3 header record magic
  if [[ $kind == images ]]; then header=16; record=784; magic=2051; else header=8; record=1; magic=2049; fi
  local got raw=$tmp/${name%.gz}
  # decompressed to a file first: with pipefail, head closing a pipe from gzip would count as a failure
  gzip -dc "$src/$name" > "$raw"
  got=$(head -c 4 "$raw" | od -An -tu1 | tr -s ' ' | sed 's/^ //')
  if [[ $got != "0 0 8 $((magic - 2048))" ]]; then
    echo "$src/$name: unexpected IDX magic bytes '$got'" >&2
    exit 1
  fi
  {
    be32 "$magic"
    be32 "$n"
    if [[ $kind == images ]]; then be32 28; be32 28; fi
    head -c $((header + n * record)) "$raw" | tail -c +$((header + 1))
  } | gzip -9 -n > "$out/$name"
  echo "wrote $out/$name ($n $kind, $(stat -c %s "$out/$name") bytes)"
}

subset train-images-idx3-ubyte.gz "$TRAIN_N" images
subset train-labels-idx1-ubyte.gz "$TRAIN_N" labels
subset t10k-images-idx3-ubyte.gz "$TEST_N" images
subset t10k-labels-idx1-ubyte.gz "$TEST_N" labels
