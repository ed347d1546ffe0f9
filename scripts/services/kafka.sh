#!/usr/bin/env bash
# A real Apache Kafka 3.9 broker for the integration tests: single node, KRaft
# mode, on 127.0.0.1:9092, from Maven Central jars (no tarball, no Docker).
#
#   kafka.sh install   resolve kafka_2.13 + logging with mvn into a cache that survives (apt-get maven/JDK if missing)
#   kafka.sh start     write the config, format storage the first time, start the broker, wait until it serves
#   kafka.sh stop      stop the broker started here, by its pid file
#   kafka.sh status    exit 0 when the broker started here is alive and its port accepts
#   kafka.sh env       FLUME_TEST_KAFKA_BROKERS=127.0.0.1:9092
source "$(dirname "$0")/lib.sh"

KAFKA_VERSION=${KAFKA_VERSION:-3.9.1}
ROOT=$FLUME_SERVICES/kafka
LIBS=${KAFKA_LIBS:-${XDG_CACHE_HOME:-$HOME/.cache}/flume-services/kafka-$KAFKA_VERSION/libs}
PORT=${KAFKA_PORT:-9092}
CPORT=${KAFKA_CONTROLLER_PORT:-19093}
HEAP=${KAFKA_HEAP:-512m}
JAVA=${JAVA:-java}
LOG_OPTS="-Dlog4j.configuration=file:$ROOT/log4j.properties"

have_jars() { ls "$LIBS"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1; }
serving() { tcp_open 127.0.0.1 "$PORT" && grep -q "Kafka Server started" "$ROOT/logs/server.log"; }

write_config() {
  mkdir -p "$ROOT/data" "$ROOT/logs"
  cat >"$ROOT/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$ROOT/data
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
num.network.threads=2
num.io.threads=2
EOF
  # Kafka 3.x logs through log4j 1.x (reload4j); the broker's chatter goes to a file, not the test output.
  cat >"$ROOT/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$ROOT/logs/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

case "${1:-}" in
install)
  command -v mvn >/dev/null && command -v "$JAVA" >/dev/null || apt_install maven openjdk-17-jre-headless
  have_jars && exit 0
  mkdir -p "$LIBS"
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $LIBS"
  mvn -B -q -f "$SERVICES_DIR/kafka.pom.xml" -Pkafka3 -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DoutputDirectory="$LIBS" >&2
  have_jars || die "mvn did not produce kafka_2.13-$KAFKA_VERSION.jar in $LIBS"
  ;;
start)
  have_jars || die "no Kafka jars in $LIBS: run '$0 install'"
  if pid_alive "$ROOT/kafka.pid" && serving; then log "kafka already running"; exit 0; fi
  tcp_open 127.0.0.1 "$PORT" && die "127.0.0.1:$PORT is taken by a process not started here"
  write_config
  if [ ! -f "$ROOT/data/meta.properties" ]; then
    id=$("$JAVA" $LOG_OPTS -cp "$LIBS/*" kafka.tools.StorageTool random-uuid)
    "$JAVA" $LOG_OPTS -cp "$LIBS/*" kafka.tools.StorageTool format -t "$id" -c "$ROOT/server.properties" --ignore-formatted >/dev/null
  fi
  # A restart must not see the previous run's "started" line.
  : >"$ROOT/logs/server.log"
  nohup "$JAVA" -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC -Djava.awt.headless=true $LOG_OPTS \
    -cp "$LIBS/*" kafka.Kafka "$ROOT/server.properties" >"$ROOT/logs/stdout.log" 2>&1 &
  echo $! >"$ROOT/kafka.pid"
  for _ in $(seq 1 180); do
    pid_alive "$ROOT/kafka.pid" || { tail -40 "$ROOT/logs/stdout.log" "$ROOT/logs/server.log" >&2; rm -f "$ROOT/kafka.pid"; die "the broker exited"; }
    serving && { log "kafka $KAFKA_VERSION up on 127.0.0.1:$PORT (pid $(cat "$ROOT/kafka.pid"))"; exit 0; }
    sleep 0.5
  done
  tail -40 "$ROOT/logs/server.log" >&2
  die "the broker did not come up in 90 s (log: $ROOT/logs/server.log)"
  ;;
stop)
  if [ -f "$ROOT/kafka.pid" ]; then
    stop_pid "$ROOT/kafka.pid" 30
    log "kafka stopped"
  fi
  ;;
status) pid_alive "$ROOT/kafka.pid" && tcp_open 127.0.0.1 "$PORT" ;;
env) echo "FLUME_TEST_KAFKA_BROKERS=127.0.0.1:$PORT" ;;
*) sed -n '2,10p' "$0"; exit 2 ;;
esac
