#!/usr/bin/env bash
# Installs vigil-agent as a systemd service running as the unprivileged user vigil-agent.
# Usage (as root):
#   install-agent.sh --hub https://vigil.example.com --token vgh_… [--binary PATH]
#                    [--ca-file PEM] [--hub-fingerprint SHA256]
# Run it again to update the binary or the settings; the spool in /var/lib/vigil-agent is kept.
set -euo pipefail

usage="usage: $0 --hub URL --token vgh_… [--binary PATH] [--ca-file PEM] [--hub-fingerprint SHA256]"
hub="" token="" binary="./vigil-agent" ca="" fingerprint=""
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
  case "$1" in
    --hub) hub=$2 ;;
    --token) token=$2 ;;
    --binary) binary=$2 ;;
    --ca-file) ca=$2 ;;
    --hub-fingerprint) fingerprint=$2 ;;
    *) echo "unknown option $1" >&2; echo "$usage" >&2; exit 2 ;;
  esac
  shift 2
done
[ -n "$hub" ] && [ -n "$token" ] || { echo "$usage" >&2; exit 2; }
case "$hub$token$fingerprint" in *[[:space:]]*) echo "hub, token and fingerprint must not contain spaces or newlines" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "run as root (it creates a user and a systemd unit)" >&2; exit 1; }
[ -x "$binary" ] || { echo "no executable agent at $binary (build it: CGO_ENABLED=0 go build ./cmd/vigil-agent)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)

id vigil-agent >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin vigil-agent
install -m 0755 "$binary" /usr/local/bin/vigil-agent
install -d -m 0750 -o root -g vigil-agent /etc/vigil-agent
# The token is a secret: only root and the agent's group can read it.
umask 027
{
  printf 'VIGIL_HUB=%s\nVIGIL_TOKEN=%s\n' "$hub" "$token"
  if [ -n "$ca" ]; then
    install -m 0644 "$ca" /etc/vigil-agent/ca.pem
    echo "VIGIL_CA_FILE=/etc/vigil-agent/ca.pem"
  fi
  [ -z "$fingerprint" ] || echo "VIGIL_HUB_FINGERPRINT=$fingerprint"
} > /etc/vigil-agent/env.new
chgrp vigil-agent /etc/vigil-agent/env.new
mv /etc/vigil-agent/env.new /etc/vigil-agent/env
install -m 0644 "$here/vigil-agent.service" /etc/systemd/system/vigil-agent.service
systemctl daemon-reload
systemctl enable vigil-agent
systemctl restart vigil-agent
systemctl --no-pager status vigil-agent | head -5 || true
echo "vigil-agent installed; logs: journalctl -u vigil-agent -f"
