#!/usr/bin/env bash
# Installs the real servers the test suite drives (dovecot for IMAP, Chromium for the browser
# tests) from Debian packages when they are missing. Never fails the run: without apt or root
# it says what is missing, and the fixtures then skip those tests (or fail them under CI=true).
set -u

missing=()
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
  echo "Test services present: dovecot $(dovecot --version 2>/dev/null | cut -d' ' -f1), $(chromium --version 2>/dev/null || echo chromium)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Not installing ${missing[*]}: apt-get is not available; tests needing them will be skipped"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "Not installing ${missing[*]}: run this script as root (sudo $0); tests needing them will be skipped"
  exit 0
fi
echo "Installing ${missing[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
if apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; then
  echo "Installed ${missing[*]}"
else
  echo "apt-get could not install ${missing[*]}; tests needing them will be skipped"
fi
exit 0
