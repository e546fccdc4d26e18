#!/usr/bin/env bash
# Downloads a public dataset from its official source and checks it before unpacking.
#   launch/download-data.sh NAME [DEST]
#   NAME: ml-latest-small | ml-100k | ml-1m | ml-10m | ml-20m | ml-25m | lastfm-2k | ml-1m-ncf | pinterest-20
#         | yahoo-r1 | yahoo-r2 | yahoo-r3 (licence: a manual step, explained when asked for)
# MovieLens archives are checked against the MD5 file GroupLens publishes beside each one.
# Mind each dataset's license (GroupLens: research use; Last.fm HetRec: non-commercial).
set -euo pipefail
name=${1:?usage: download-data.sh NAME [DEST]}
dest=${2:-data}
case "$name" in
  ml-latest-small|ml-100k|ml-1m|ml-10m|ml-20m|ml-25m)
    base=https://files.grouplens.org/datasets/movielens; archive=$name.zip; checksum=$archive.md5 ;;
  lastfm-2k)
    base=https://files.grouplens.org/datasets/hetrec2011; archive=hetrec2011-lastfm-2k.zip; checksum="" ;;
  ml-1m-ncf|pinterest-20)
    # NCF's pre-split files (He et al. 2017), from the authors' repository; no published checksum.
    prefix=${name%-ncf}
    base=https://raw.githubusercontent.com/hexiangnan/neural_collaborative_filtering/master/Data
    for part in train.rating test.rating test.negative; do
      archive=$prefix.$part
      mkdir -p "$dest"
      if ! curl -fsSL --connect-timeout 15 -o "$dest/$archive.part" "$base/$archive"; then
        rm -f "$dest/$archive.part"
        echo "download-data.sh: cannot reach $base (offline, or the file moved); nothing was changed" >&2
        exit 3
      fi
    done
    for part in train.rating test.rating test.negative; do mv "$dest/$prefix.$part.part" "$dest/$prefix.$part"; done
    echo "downloaded $name into $dest/ (no published checksum: MD5 $(cat "$dest/$prefix".* | md5sum | cut -d' ' -f1))"
    exit 0 ;;
  yahoo-r1|yahoo-r2|yahoo-r3)
    cat >&2 <<EOF2
download-data.sh: Yahoo! Music ($name) is licensed through Yahoo! Webscope and cannot be fetched
automatically. Request it at https://webscope.sandbox.yahoo.com/ (catalog: Ratings and
Classification Data), accept the licence, download it by hand, then train on its ratings file:
  build/ampcf train --data ydata-ymusic-...-train.txt      (tab-separated user, item, score)
EOF2
    exit 5 ;;
  *) echo "download-data.sh: unknown dataset '$name'" >&2; exit 2 ;;
esac
command -v curl > /dev/null || { echo "download-data.sh: needs curl (apt-get install curl)" >&2; exit 2; }
mkdir -p "$dest"
cd "$dest"
if ! curl -fsSL --connect-timeout 15 -o "$archive.part" "$base/$archive"; then
  rm -f "$archive.part"
  echo "download-data.sh: cannot reach $base (offline, or the file moved); nothing was changed" >&2
  exit 3
fi
actual=$(md5sum "$archive.part" | cut -d' ' -f1)
expected=""
[ -n "$checksum" ] && expected=$(curl -fsSL --connect-timeout 15 "$base/$checksum" | grep -oE '[0-9a-f]{32}' | head -1 || true)
if [ -z "$expected" ] && [ "${AMPCF_SKIP_CHECKSUM:-0}" != 1 ]; then
  rm -f "$archive.part"
  echo "download-data.sh: no published checksum for $archive (MD5 $actual); set AMPCF_SKIP_CHECKSUM=1 to accept it" >&2
  exit 4
fi
if [ -n "$expected" ] && [ "$expected" != "$actual" ]; then
  rm -f "$archive.part"
  echo "download-data.sh: checksum mismatch for $archive (expected $expected, got $actual)" >&2
  exit 4
fi
mv "$archive.part" "$archive"
command -v unzip > /dev/null || { echo "download-data.sh: needs unzip (apt-get install unzip)" >&2; exit 2; }
unzip -oq "$archive"
echo "downloaded $name into $dest/"
