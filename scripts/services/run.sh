#!/usr/bin/env bash
# Start the services the integration tests need, run a command, stop what was
# started here (and only that) even when the command fails. Exits with the
# command's status.
#
#   scripts/services/run.sh [--only docker,kafka] -- command args...
#
# The services are every scripts/services/<name>.sh except lib.sh and run.sh
# (FLUME_TEST_SERVICES=docker,kafka narrows them). Each one's `env` lines
# (FLUME_TEST_DOCKER_HOST=..., ...) are exported to the command.
source "$(dirname "$0")/lib.sh"

only=${FLUME_TEST_SERVICES:-}
if [ "${1:-}" = --only ]; then only=$2; shift 2; fi
[ "${1:-}" = -- ] && shift

names=()
for f in "$SERVICES_DIR"/*.sh; do
  n=$(basename "$f" .sh)
  case "$n" in lib|run) continue ;; esac
  if [ -n "$only" ] && [[ ",$only," != *",$n,"* ]]; then continue; fi
  names+=("$n")
done

started=()
failed=0
cleanup() {
  local n
  for n in "${started[@]}"; do "$SERVICES_DIR/$n.sh" stop || true; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for n in "${names[@]}"; do
  if "$SERVICES_DIR/$n.sh" status >/dev/null 2>&1; then
    log "$n already running (left running afterwards)"
  else
    started+=("$n")
    if ! { "$SERVICES_DIR/$n.sh" install && "$SERVICES_DIR/$n.sh" start; }; then
      log "$n did not start: the tests that need it will fail (try: scripts/services/$n.sh start)"
      failed=1
    fi
  fi
  while IFS= read -r line; do [ -n "$line" ] && export "${line?}"; done < <("$SERVICES_DIR/$n.sh" env)
done

status=0
"$@" || status=$?
[ "$status" = 0 ] && [ "$failed" = 1 ] && status=1
exit $status
