#!/usr/bin/env bash
# A team database for trying team mode on one machine: installs PostgreSQL from Debian's
# packages if missing, creates a cluster in a folder (default ~/.local/share/reconagent/team-db),
# starts it on 127.0.0.1 (port 5433 unless TEAM_DB_PORT says otherwise), creates the database
# `recon`, the team schema and roles, four people and the sample breaks, and prints how each
# person connects. Run again: it starts the cluster if it is stopped and changes nothing else.
#
# The cluster trusts connections from this machine (no passwords): it is a demo on loopback.
# A real team database uses the server's own authentication (scram-sha-256 passwords set with
# `\password NAME` in psql, or certificates); see README "Team mode".
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${TEAM_DB_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/reconagent/team-db}
PORT=${TEAM_DB_PORT:-5433}

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing PostgreSQL (Debian package postgresql)"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq postgresql >/dev/null; else sudo apt-get update -qq && sudo apt-get install -y -qq postgresql >/dev/null; fi
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
# The server refuses to run as root: as root, the cluster belongs to the postgres user.
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

mkdir -p "$DIR"
[ "$(id -u)" = 0 ] && chown postgres "$DIR"
if [ ! -f "$DIR/data/PG_VERSION" ]; then
  as_owner "$BIN/initdb" -D "$DIR/data" -A trust -U postgres -E UTF8 --locale=C >/dev/null
  echo "created a cluster in $DIR/data"
fi
if ! as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
  as_owner "$BIN/pg_ctl" -D "$DIR/data" -o "-k $DIR -p $PORT -c listen_addresses=127.0.0.1" -l "$DIR/log" -w start >/dev/null
  echo "started PostgreSQL on 127.0.0.1:$PORT (log: $DIR/log)"
fi

OWNER="postgres://postgres@127.0.0.1:$PORT"
cargo build --release --quiet -p reconagent-cli
R=./target/release/reconagent
if ! "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'recon'" postgres | grep -q 1; then
  "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres recon
fi
"$R" team migrate --db "$OWNER/recon"
"$R" team add-person alice --roles reviewer,policy_admin --db "$OWNER/recon" >/dev/null
"$R" team add-person bob --roles reviewer,approver,policy_admin --db "$OWNER/recon" >/dev/null
"$R" team add-person carol --roles auditor --db "$OWNER/recon" >/dev/null
"$R" team add-person worker --roles processor --db "$OWNER/recon" >/dev/null
"$R" import --sample --db "postgres://worker@127.0.0.1:$PORT/recon" >/dev/null
# The team's policy in force: the bundled policies, proposed by alice and approved by bob (a
# policy change in a team takes two policy admins). Only when the team has none yet.
if "$R" policy proposals --db "postgres://carol@127.0.0.1:$PORT/recon" | grep -q "no policy in force yet"; then
  "$R" policy propose policies/routing_policies.yaml --note "the bundled policies, as the team's first" --db "postgres://alice@127.0.0.1:$PORT/recon" >/dev/null
  ID=$("$R" policy proposals --db "postgres://carol@127.0.0.1:$PORT/recon" | awk '$2 == "OPEN" { print $1; exit }')
  "$R" policy approve "$ID" --reason "set-up" --db "postgres://bob@127.0.0.1:$PORT/recon" >/dev/null
fi

cat <<TXT

Team database ready: postgres://127.0.0.1:$PORT/recon
  alice  reviewer, policy admin             RECONAGENT_DB=postgres://alice@127.0.0.1:$PORT/recon make run
  bob    reviewer, approver, policy admin   RECONAGENT_DB=postgres://bob@127.0.0.1:$PORT/recon make run
  carol  auditor                            RECONAGENT_DB=postgres://carol@127.0.0.1:$PORT/recon make run
  worker processor                           $R process --db postgres://worker@127.0.0.1:$PORT/recon
Or in the app (make run): Database -> server 127.0.0.1, port $PORT, database recon, your login,
TLS prefer (this demo cluster has no TLS and no passwords; a real server wants verify-full).
Stop it: $( [ "$(id -u)" = 0 ] && echo "runuser -u postgres -- " )$BIN/pg_ctl -D $DIR/data stop
TXT
