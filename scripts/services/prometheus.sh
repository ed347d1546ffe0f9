#!/usr/bin/env bash
# A real Prometheus 2.42 and Pushgateway 1.5 for the integration tests, from
# Debian's packages (bookworm), on 127.0.0.1.
#
#   prometheus.sh install   apt-get prometheus + prometheus-pushgateway (promtool comes with prometheus)
#   prometheus.sh start     write the config, start the pushgateway then prometheus, wait for /-/ready
#   prometheus.sh stop      stop both, by the pid files written here
#   prometheus.sh status    exit 0 when both started here answer /-/ready
#   prometheus.sh env       FLUME_TEST_PROMETHEUS_URL, FLUME_TEST_PUSHGATEWAY_URL, FLUME_TEST_PROMETHEUS_TARGETS
#
# Scrape interval 1 s. Jobs: `pushgateway` (honor_labels) and `flume`, whose targets
# are read from $FLUME_TEST_PROMETHEUS_TARGETS/*.json (file_sd): a test drops
# [{"targets":["127.0.0.1:PORT"],"labels":{...}}] there and removes it afterwards.
# A new target's first sample lands 5-7 s later (Prometheus 2.x applies target
# sets on a 5 s tick): tests poll. The TSDB survives restarts: tests use labels
# unique to their run.
#
# Env: FLUME_PROMETHEUS_PORT (9090), FLUME_PUSHGATEWAY_PORT (9091).
source "$(dirname "$0")/lib.sh"

PORT=${FLUME_PROMETHEUS_PORT:-9090}
PGW_PORT=${FLUME_PUSHGATEWAY_PORT:-9091}
ROOT=$FLUME_SERVICES/prometheus
TARGETS=$ROOT/targets
URL=http://127.0.0.1:$PORT
PGW_URL=http://127.0.0.1:$PGW_PORT

ready() { curl -sf -o /dev/null "$1/-/ready"; }

write_config() {
  mkdir -p "$ROOT/data" "$TARGETS"
  cat >"$ROOT/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: pushgateway
    honor_labels: true
    static_configs: [{ targets: ["127.0.0.1:$PGW_PORT"] }]
  - job_name: flume
    file_sd_configs:
      - files: ["$TARGETS/*.json"]
        refresh_interval: 1s
EOF
}

# start_one NAME URL COMMAND...: start unless the one started here runs; refuse a port taken by another.
start_one() {
  local name=$1 url=$2; shift 2
  if pid_alive "$ROOT/$name.pid" && ready "$url"; then log "$name already running on $url"; return 0; fi
  ready "$url" && die "$url answers but was not started here (set FLUME_PROMETHEUS_PORT / FLUME_PUSHGATEWAY_PORT)"
  # Its own session: the server outlives the shell (or test) that started it until stop.
  setsid=(); command -v setsid >/dev/null && setsid=(setsid)
  nohup "${setsid[@]}" "$@" >>"$ROOT/$name.log" 2>&1 &
  echo $! >"$ROOT/$name.pid"
  wait_for 30 ready "$url" || { tail -30 "$ROOT/$name.log" >&2; stop_pid "$ROOT/$name.pid" 5; die "$name not ready after 30 s"; }
  log "$name up on $url"
}

case "${1:-}" in
install)
  command -v prometheus >/dev/null && command -v prometheus-pushgateway >/dev/null && command -v curl >/dev/null && exit 0
  apt_install prometheus prometheus-pushgateway curl
  ;;
start)
  command -v prometheus >/dev/null || die "no prometheus: run '$0 install' (Debian packages prometheus, prometheus-pushgateway)"
  write_config
  start_one pushgateway "$PGW_URL" prometheus-pushgateway --web.listen-address="127.0.0.1:$PGW_PORT" \
    --persistence.file="$ROOT/pushgateway.data"
  start_one prometheus "$URL" prometheus --config.file="$ROOT/prometheus.yml" --storage.tsdb.path="$ROOT/data" \
    --web.listen-address="127.0.0.1:$PORT" --web.enable-lifecycle
  ;;
stop)
  for n in prometheus pushgateway; do
    if [ -f "$ROOT/$n.pid" ]; then stop_pid "$ROOT/$n.pid" 15; log "$n stopped"; fi
  done
  ;;
status) pid_alive "$ROOT/prometheus.pid" && pid_alive "$ROOT/pushgateway.pid" && ready "$URL" && ready "$PGW_URL" ;;
env)
  echo "FLUME_TEST_PROMETHEUS_URL=$URL"
  echo "FLUME_TEST_PUSHGATEWAY_URL=$PGW_URL"
  echo "FLUME_TEST_PROMETHEUS_TARGETS=$TARGETS"
  ;;
*) sed -n '2,18p' "$0"; exit 2 ;;
esac
