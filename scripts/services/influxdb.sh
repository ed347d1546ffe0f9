#!/usr/bin/env bash
# A real InfluxDB 1.6 (Debian's `influxdb` package) for the integration tests,
# every listener on 127.0.0.1, HTTP API on 127.0.0.1:8086. 1.x API only
# (/write, /query, /ping): the 2.x /api/v2/write request shape is checked at
# unit level (test/unit/influxdb.test.ts), not against a 2.x server.
#
#   influxdb.sh install   apt-get install influxdb curl (when influxd is missing)
#   influxdb.sh start     write the config, start influxd, wait until /ping answers
#   influxdb.sh stop      stop the influxd started here, by its pid file
#   influxdb.sh status    exit 0 when the influxd started here is alive and answers
#   influxdb.sh env       FLUME_TEST_INFLUXDB_URL=http://127.0.0.1:8086
source "$(dirname "$0")/lib.sh"

ROOT=$FLUME_SERVICES/influxdb
PORT=${INFLUXDB_PORT:-8086}
RPC_PORT=${INFLUXDB_RPC_PORT:-8088}
URL="http://127.0.0.1:$PORT"

answers() { [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/ping" 2>/dev/null)" = 204 ]; }

write_config() {
  mkdir -p "$ROOT/meta" "$ROOT/data" "$ROOT/wal"
  # Every listener disabled or on 127.0.0.1: 1.6 also has an [ifql] service on :8082 (all
  # interfaces) unless disabled. Debian's build reads "reporting-enabled", upstream's
  # "reporting-disabled"; unknown keys are ignored, so both are set.
  cat >"$ROOT/influxdb.conf" <<CONF
reporting-enabled = false
reporting-disabled = true
bind-address = "127.0.0.1:$RPC_PORT"
[meta]
  dir = "$ROOT/meta"
[data]
  dir = "$ROOT/data"
  wal-dir = "$ROOT/wal"
  query-log-enabled = false
  wal-fsync-delay = "0s"
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:$PORT"
  auth-enabled = false
  log-enabled = false
[ifql]
  enabled = false
[subscriber]
  enabled = false
CONF
}

case "${1:-}" in
install)
  command -v influxd >/dev/null && command -v curl >/dev/null && exit 0
  apt_install influxdb curl
  ;;
start)
  command -v influxd >/dev/null || die "no influxd: run '$0 install'"
  if pid_alive "$ROOT/influxd.pid" && answers; then log "influxdb already running"; exit 0; fi
  answers && die "$URL is answered by an influxd not started here"
  write_config
  nohup influxd run -config "$ROOT/influxdb.conf" >"$ROOT/influxd.log" 2>&1 &
  echo $! >"$ROOT/influxd.pid"
  for _ in $(seq 1 120); do
    pid_alive "$ROOT/influxd.pid" || { tail -30 "$ROOT/influxd.log" >&2; rm -f "$ROOT/influxd.pid"; die "influxd exited"; }
    answers && { log "influxdb $(influxd version 2>/dev/null | head -1) up on $URL (pid $(cat "$ROOT/influxd.pid"))"; exit 0; }
    sleep 0.5
  done
  tail -30 "$ROOT/influxd.log" >&2
  die "influxd did not answer in 60 s (log: $ROOT/influxd.log)"
  ;;
stop)
  if [ -f "$ROOT/influxd.pid" ]; then
    stop_pid "$ROOT/influxd.pid" 30
    log "influxdb stopped"
  fi
  ;;
status) pid_alive "$ROOT/influxd.pid" && answers ;;
env) echo "FLUME_TEST_INFLUXDB_URL=$URL" ;;
*) sed -n '2,11p' "$0"; exit 2 ;;
esac
