# Shared by the service scripts: where state lives, pid files, waiting, installing.
# Each service script is `<name>.sh install|start|stop|status|env` and keeps its
# state (pid file, data, logs) under $FLUME_SERVICES/<name>.
set -euo pipefail

FLUME_SERVICES=${FLUME_SERVICES:-/tmp/flume-services}
SERVICES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

log() { echo "services: $*" >&2; }
die() { echo "services: $*" >&2; exit 1; }

# Is the process in pid file $1 alive?
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Stop the process in pid file $1 (TERM, then KILL after $2 seconds), remove the file.
stop_pid() {
  local file=$1 grace=${2:-30} pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((grace * 2))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  rm -f "$file"
}

# Wait up to $1 seconds for command "${@:2}" to succeed.
wait_for() {
  local secs=$1; shift
  for _ in $(seq 1 $((secs * 2))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  return 1
}

tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# apt-get install the Debian packages named, when root (or passwordless sudo) and apt-get exist.
apt_install() {
  local sudo=()
  command -v apt-get >/dev/null || die "cannot install $*: no apt-get (install them by hand)"
  if [ "$(id -u)" != 0 ]; then
    sudo -n true 2>/dev/null || die "cannot install $*: not root and no passwordless sudo (install them by hand)"
    sudo=(sudo -n)
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 ||
    { DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -qq >/dev/null 2>&1 &&
      DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
}
