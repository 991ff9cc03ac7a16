#!/bin/bash
# bench/first_run.sh [BRANCH] [PORT]: a newcomer's first run, timed (docs/benchmarks.md,
# "First run and Ctrl-C under load"). Clones this repo's BRANCH into an empty folder, starts
# `make run` in the background (no .venv, no .env, no vendor credentials), waits for /readyz,
# runs the command the banner prints in an empty environment, polls the admin API until the
# event is completed, shows what the sandbox received, then stops it as Ctrl-C does.
set -euo pipefail
BRANCH=${1:-$(git -C "$(dirname "$0")/.." rev-parse --abbrev-ref HEAD)}
PORT=${2:-5873}
REPO=$(cd "$(dirname "$0")/.." && pwd)
DIR=$(mktemp -d /tmp/hooks-first-run.XXXXXX)
LOG=$DIR.log
since() { echo "$(date +%s.%N) - $1" | bc; }

T0=$(date +%s.%N)
git clone -q -b "$BRANCH" "$REPO" "$DIR"
cd "$DIR"
PORT=$PORT setsid make run > "$LOG" 2>&1 &
GROUP=$!  # setsid: make leads a process group of its own
trap 'kill -KILL -- -$GROUP 2>/dev/null || true' EXIT
until curl -s -o /dev/null -w "%{http_code}" "localhost:$PORT/readyz" 2>/dev/null | grep -q 200; do sleep 0.2; done
READY=$(since "$T0")
COMMAND=$(grep -A1 "send a sample event" "$LOG" | tail -1)
ANSWER=$(env -i PATH=/usr/bin:/bin HOME="$HOME" sh -c "$COMMAND")
EVENT=$(echo "$ANSWER" | sed -n 's/.*"event_id": "\([^"]*\)".*/\1/p')
TOKEN=$(sed -n 's/^ADMIN_TOKEN=//p' .env)
until curl -s -H "Authorization: Bearer $TOKEN" "localhost:$PORT/api/events/$EVENT" | grep -q '"status":"completed"'; do
    sleep 0.2
done
DONE=$(since "$T0")
echo "banner command: $COMMAND"
echo "clone -> /readyz 200: $READY s; clone -> event $EVENT completed: $DONE s"
curl -s -H "Authorization: Bearer $TOKEN" "localhost:$PORT/api/sandbox/calls?vendor=fiwit" | head -c 400; echo
S0=$(date +%s.%N)
kill -INT -- -"$GROUP"
while kill -0 -- -"$GROUP" 2>/dev/null; do sleep 0.05; done
echo "Ctrl-C (idle): everything ended in $(since "$S0") s; ERROR/CRITICAL lines: $(grep -cE '\b(ERROR|CRITICAL)\b' "$LOG" || true)"
echo "log: $LOG"
