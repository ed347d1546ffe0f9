#!/usr/bin/env bash
# A real single-node Elasticsearch for the integration tests, from the
# integ-test zip Elastic publishes to Maven Central (no Docker, no elastic.co).
#
#   elasticsearch.sh install   mvn fetch into a cache that survives runs, unzip, check for a JDK (17+ for 8.x, 21+ for 9.x)
#   elasticsearch.sh start     start it as an unprivileged user on 127.0.0.1:$FLUME_ELASTIC_PORT, wait for yellow
#   elasticsearch.sh stop      stop the server started here, by its pid file
#   elasticsearch.sh status    exit 0 when the server started here answers
#   elasticsearch.sh env       FLUME_TEST_ELASTIC_URL=http://127.0.0.1:$FLUME_ELASTIC_PORT
#
# Env: FLUME_ELASTIC_VERSION (8.19.21), FLUME_ELASTIC_PORT (9200), FLUME_ELASTIC_HEAP (512m),
#      ES_JAVA_HOME (default: the first JDK new enough under /usr/lib/jvm), FLUME_ELASTIC_USER (flume-es).
source "$(dirname "$0")/lib.sh"

# 9.x is not published as an integ-test zip on Maven Central (latest there: 8.19.x).
VERSION=${FLUME_ELASTIC_VERSION:-8.19.21}
PORT=${FLUME_ELASTIC_PORT:-9200}
HEAP=${FLUME_ELASTIC_HEAP:-512m}
ES_USER=${FLUME_ELASTIC_USER:-flume-es}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/flume-services/elasticsearch
ZIP=$CACHE/elasticsearch-$VERSION.zip
ROOT=$FLUME_SERVICES/elasticsearch
ES_HOME=$ROOT/elasticsearch-$VERSION
PIDFILE=$ROOT/es.pid
URL=http://127.0.0.1:$PORT
NEED_JAVA=17; [ "${VERSION%%.*}" -ge 9 ] && NEED_JAVA=21

java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | cut -d. -f1; }
pick_java() {
  if [ -n "${ES_JAVA_HOME:-}" ]; then echo "$ES_JAVA_HOME"; return 0; fi
  local j v
  for j in /usr/lib/jvm/*; do
    [ -x "$j/bin/java" ] || continue
    v=$(java_major "$j")
    if [ -n "$v" ] && [ "$v" -ge "$NEED_JAVA" ]; then echo "$j"; return 0; fi
  done
  return 1
}
healthy() { curl -sf "$URL/_cluster/health?wait_for_status=yellow&timeout=1s"; }

case "${1:-}" in
install)
  command -v unzip >/dev/null && command -v curl >/dev/null || apt_install unzip curl
  pick_java >/dev/null || die "Elasticsearch $VERSION needs a JDK $NEED_JAVA+ under /usr/lib/jvm (or set ES_JAVA_HOME)"
  if [ ! -s "$ZIP" ]; then
    command -v mvn >/dev/null || apt_install maven
    mkdir -p "$CACHE"
    log "fetching elasticsearch $VERSION from Maven Central into $CACHE"
    mvn -B -q -f "$SERVICES_DIR/elasticsearch.pom.xml" -Des.version="$VERSION" -Des.dest="$CACHE" dependency:copy ||
      die "mvn could not fetch org.elasticsearch.distribution.integ-test-zip:elasticsearch:$VERSION:zip"
  fi
  if [ ! -x "$ES_HOME/bin/elasticsearch" ]; then
    mkdir -p "$ROOT"
    unzip -q -o "$ZIP" -d "$ROOT"
  fi
  ;;
start)
  [ -x "$ES_HOME/bin/elasticsearch" ] || die "not installed: run '$0 install'"
  if pid_alive "$PIDFILE" && healthy >/dev/null 2>&1; then log "elasticsearch already running on $URL"; exit 0; fi
  tcp_open 127.0.0.1 "$PORT" && die "127.0.0.1:$PORT is taken by a process this script did not start (set FLUME_ELASTIC_PORT)"
  JH=$(pick_java) || die "no JDK $NEED_JAVA+ under /usr/lib/jvm: set ES_JAVA_HOME"
  # Elasticsearch refuses to run as root: drop to a system user made for it.
  as_user=()
  if [ "$(id -u)" = 0 ]; then
    id "$ES_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
    as_user=(runuser -u "$ES_USER" --)
  fi
  mkdir -p "$ROOT/data" "$ROOT/logs"
  {
    echo "cluster.name: flume-test"
    echo "node.name: flume-test-1"
    echo "discovery.type: single-node"
    echo "network.host: 127.0.0.1"
    echo "http.port: $PORT"
    echo "transport.port: $((PORT + 100))"
    echo "path.data: $ROOT/data"
    echo "path.logs: $ROOT/logs"
    # The tests' disks may be nearly full; a read-only index would look like a flume bug.
    echo "cluster.routing.allocation.disk.threshold_enabled: false"
    # Only settings of modules that are present, or Elasticsearch refuses to start.
    [ -d "$ES_HOME/modules/x-pack-security" ] && echo "xpack.security.enabled: false"
    true
  } >"$ES_HOME/config/elasticsearch.yml"
  [ "$(id -u)" = 0 ] && chown -R "$ES_USER" "$ROOT"
  rm -f "$PIDFILE"
  # Its own session: the server outlives the shell (or test) that started it until stop.
  setsid -w "${as_user[@]}" env ES_JAVA_HOME="$JH" ES_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP" \
    "$ES_HOME/bin/elasticsearch" -d -p "$PIDFILE" >"$ROOT/start.log" 2>&1 || {
      tail -40 "$ROOT/start.log" "$ROOT/logs/flume-test.log" >&2 2>/dev/null; die "elasticsearch failed to start"; }
  if ! wait_for 120 healthy; then
    tail -40 "$ROOT/logs/flume-test.log" >&2 2>/dev/null; die "elasticsearch not healthy after 120 s (log: $ROOT/logs)"
  fi
  log "elasticsearch $VERSION up on $URL (java $(java_major "$JH"))"
  ;;
stop)
  if [ -f "$PIDFILE" ]; then stop_pid "$PIDFILE" 30; log "elasticsearch stopped"; fi
  ;;
status) pid_alive "$PIDFILE" && healthy >/dev/null ;;
env) echo "FLUME_TEST_ELASTIC_URL=$URL" ;;
*) sed -n '2,13p' "$0"; exit 2 ;;
esac
