#!/usr/bin/env bash
# The network clients the listener tests (http, tcp, udp, syslog) send with:
# util-linux `logger` (Debian bsdutils) and curl. Nothing runs: start and stop
# do nothing; status says whether both are installed.
#
#   netclients.sh install   apt-get bsdutils curl when logger or curl is missing
#   netclients.sh status    exit 0 when logger and curl are there
source "$(dirname "$0")/lib.sh"

have() { command -v logger >/dev/null && command -v curl >/dev/null; }

case "${1:-}" in
install) have || apt_install bsdutils curl ;;
start) have || die "logger or curl missing: run '$0 install' (Debian packages bsdutils, curl)" ;;
stop) ;;
status) have ;;
env) ;;
*) die "usage: $0 install|start|stop|status|env" ;;
esac
