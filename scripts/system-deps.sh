#!/usr/bin/env bash
# Installs the Debian packages chfen needs, only when they are missing (safe to run twice).
#   ffmpeg         ffmpeg + ffprobe (probing, decoding, encoding media)
#   espeak-ng      speech for the synthetic sample dataset
#   fonts-wqy-microhei  a CJK font for burned-in Chinese subtitles in the sample dataset
#   libsndfile1    soundfile's backend (the wheel bundles one; the system copy is the fallback)
set -euo pipefail
need=()
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || need+=(ffmpeg)
command -v espeak-ng >/dev/null || need+=(espeak-ng)
fc-list 2>/dev/null | grep -qi "microhei" || need+=(fonts-wqy-microhei fontconfig)
if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
echo "chfen: installing Debian packages: ${need[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
