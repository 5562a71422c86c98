#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests: initdb in a directory of its
# own, the server on a loopback port with its unix socket in that directory,
# trust authentication, durability off (it is thrown away).
#   tests/pgsql_server.sh DIR init      create and start it; prints the conninfo
#   tests/pgsql_server.sh DIR conninfo  print the conninfo again
#   tests/pgsql_server.sh DIR stop      stop the server (the cluster stays)
#   tests/pgsql_server.sh DIR start     start it again, same port and socket
#   tests/pgsql_server.sh DIR destroy   stop it and remove DIR
# The tests take "tests/pgsql_server.sh DIR" as JNG_TEST_PGSQL_CTL and append
# stop/start to it. PostgreSQL refuses to run as root: as root, the server
# runs as the `postgres` system user (or `nobody`), which then owns DIR.
set -euo pipefail

if (($# != 2)); then
  sed -n '2,11p' "$0" >&2
  exit 2
fi
dir="$1"
action="$2"

bindir="${JNG_PGSQL_BINDIR:-}"
if [[ -z "$bindir" ]]; then
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x "$d/pg_ctl" ]] && bindir="$d"
  done
fi
if [[ -z "$bindir" || ! -x "$bindir/pg_ctl" ]]; then
  echo "pgsql_server.sh: no PostgreSQL server binaries (Debian: apt-get install postgresql)" >&2
  exit 1
fi

# Runs a server binary as the cluster's owner.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    local user=postgres
    id -u "$user" >/dev/null 2>&1 || user=nobody
    runuser -u "$user" -- "$@"
  else
    "$@"
  fi
}

data="$dir/data"
user=jng
database=jng

conninfo() {
  local port
  port="$(cat "$dir/port")"
  echo "host=$dir port=$port dbname=$database user=$user"
}

free_port() {
  # Below the range the integration tests reserve ports in (20000 up) and
  # below the kernel's ephemeral range, so no client socket takes it while
  # the server is stopped for a restart test.
  python3 - <<'PY'
import os, random, socket
ports = list(range(15000, 19990))
random.Random(os.getpid()).shuffle(ports)
for p in ports:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            continue
        print(p)
        break
else:
    raise SystemExit("no free port")
PY
}

start() {
  as_owner "$bindir/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start >/dev/null
}

stop() {
  if [[ -f "$data/postmaster.pid" ]]; then
    as_owner "$bindir/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
  fi
}

case "$action" in
  init)
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    data="$dir/data"
    if [[ $(id -u) -eq 0 ]]; then
      owner=postgres
      id -u "$owner" >/dev/null 2>&1 || owner=nobody
      chown "$owner" "$dir"
      chmod 0755 "$dir"
    fi
    as_owner "$bindir/initdb" -D "$data" -U "$user" --auth=trust --encoding=UTF8 --no-locale \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    port="$(free_port)"
    echo "$port" >"$dir/port"
    cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
    start || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bindir/createdb" -h "$dir" -p "$port" -U "$user" "$database"
    conninfo
    ;;
  conninfo) conninfo ;;
  start) start ;;
  stop) stop ;;
  destroy)
    stop || true
    rm -rf "$dir"
    ;;
  *)
    echo "pgsql_server.sh: unknown action '$action'" >&2
    exit 2
    ;;
esac
