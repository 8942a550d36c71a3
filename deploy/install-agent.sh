#!/usr/bin/env bash
# Installs vigil-agent as a systemd service running as the unprivileged user vigil-agent.
# Usage (as root): install-agent.sh --hub https://vigil.example.com --token vgh_… [--binary PATH]
set -euo pipefail

hub="" token="" binary="./vigil-agent"
while [ $# -gt 0 ]; do
  case "$1" in
    --hub) hub=$2; shift 2 ;;
    --token) token=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$hub" ] && [ -n "$token" ] || { echo "usage: $0 --hub URL --token vgh_… [--binary PATH]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run as root (it creates a user and a systemd unit)" >&2; exit 1; }
[ -x "$binary" ] || { echo "no executable agent at $binary (build it: CGO_ENABLED=0 go build ./cmd/vigil-agent)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)

id vigil-agent >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin vigil-agent
install -m 0755 "$binary" /usr/local/bin/vigil-agent
install -d -m 0750 -o root -g vigil-agent /etc/vigil-agent
# The token is a secret: only root and the agent's group can read it.
umask 027
printf 'VIGIL_HUB=%s\nVIGIL_TOKEN=%s\n' "$hub" "$token" > /etc/vigil-agent/env
chgrp vigil-agent /etc/vigil-agent/env
install -m 0644 "$here/vigil-agent.service" /etc/systemd/system/vigil-agent.service
systemctl daemon-reload
systemctl enable --now vigil-agent
systemctl --no-pager status vigil-agent | head -5 || true
echo "vigil-agent installed; logs: journalctl -u vigil-agent -f"
