#!/usr/bin/env bash
# A real Docker Engine for the integration tests, with no registry: dockerd from
# Debian's docker.io on a private socket, and a busybox image made by `docker import`.
#
#   docker.sh install   apt-get docker.io + busybox-static when dockerd is missing
#   docker.sh start     start dockerd on $FLUME_SERVICES/docker/docker.sock, build local/busybox:1
#   docker.sh stop      remove its containers, stop dockerd by its pid file
#   docker.sh status    exit 0 when the dockerd started here answers /_ping
#   docker.sh env       FLUME_TEST_DOCKER_HOST=unix://...
source "$(dirname "$0")/lib.sh"

ROOT=$FLUME_SERVICES/docker
SOCK=$ROOT/docker.sock
DOCKERD=${DOCKERD:-/usr/sbin/dockerd}
IMAGE=local/busybox:1

ping() { curl -sf --unix-socket "$SOCK" http://localhost/_ping; }
api() { curl -sf --unix-socket "$SOCK" "http://localhost$1"; }

case "${1:-}" in
install)
  [ -x "$DOCKERD" ] && [ -x /bin/busybox ] && command -v curl >/dev/null && exit 0
  apt_install docker.io busybox-static curl
  ;;
start)
  [ -x "$DOCKERD" ] || die "no $DOCKERD: run '$0 install' (Debian package docker.io)"
  mkdir -p "$ROOT/data" "$ROOT/exec"
  if pid_alive "$ROOT/dockerd.pid" && ping >/dev/null 2>&1; then log "dockerd already running"; exit 0; fi
  # The default bridge (for eth0 counters in stats) but no iptables rules: containers reach nothing off this machine.
  nohup "$DOCKERD" --host "unix://$SOCK" --data-root "$ROOT/data" --exec-root "$ROOT/exec" \
    --pidfile "$ROOT/dockerd.pid" --iptables=false --ip6tables=false \
    --storage-driver="${DOCKERD_STORAGE:-overlay2}" >"$ROOT/dockerd.log" 2>&1 &
  if ! wait_for 60 ping; then
    # overlay2 needs a kernel and file system that allow it; vfs always works.
    if [ -z "${DOCKERD_STORAGE:-}" ] && grep -q overlay "$ROOT/dockerd.log"; then
      stop_pid "$ROOT/dockerd.pid" 10; DOCKERD_STORAGE=vfs exec "$0" start
    fi
    tail -30 "$ROOT/dockerd.log" >&2; die "dockerd did not come up (log: $ROOT/dockerd.log)"
  fi
  if ! api "/images/$IMAGE/json" >/dev/null 2>&1; then
    rf=$(mktemp -d)
    mkdir -p "$rf/bin" "$rf/tmp"
    cp /bin/busybox "$rf/bin/busybox"
    for a in sh echo sleep date cat ls seq wc true yes head sed awk; do ln -sf busybox "$rf/bin/$a"; done
    tar -C "$rf" -c . | DOCKER_HOST="unix://$SOCK" docker import -c 'CMD ["/bin/sh"]' - "$IMAGE" >/dev/null
    rm -rf "$rf"
  fi
  log "dockerd up on $SOCK ($(api /version | sed -E 's/.*"Version":"([^"]+)".*"ApiVersion":"([^"]+)".*/engine \1, api \2/'))"
  ;;
stop)
  if pid_alive "$ROOT/dockerd.pid"; then
    ids=$(DOCKER_HOST="unix://$SOCK" docker ps -aq 2>/dev/null || true)
    [ -n "$ids" ] && DOCKER_HOST="unix://$SOCK" docker rm -f $ids >/dev/null 2>&1 || true
    stop_pid "$ROOT/dockerd.pid" 20
    log "dockerd stopped"
  fi
  ;;
status) pid_alive "$ROOT/dockerd.pid" && ping >/dev/null ;;
env) echo "FLUME_TEST_DOCKER_HOST=unix://$SOCK" ;;
*) sed -n '2,10p' "$0"; exit 2 ;;
esac
