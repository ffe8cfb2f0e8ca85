#!/usr/bin/env bash
# scripts/postgres_cluster.sh -- throwaway PostgreSQL cluster for timebank tests.
#
# This script owns everything inside the DIR it is given:
#   DIR/data        the cluster (initdb'd fresh on every `start`)
#   DIR/server.log  server log (pg_ctl -l)
#   DIR/url         SQLAlchemy URL of the test database
#   DIR/port        TCP port the server listens on (127.0.0.1 only)
#   DIR/.s.PGSQL.*  unix socket
# It never touches any other cluster or server. It uses the machine's own
# binaries from the highest /usr/lib/postgresql/*/bin. As root, every
# PostgreSQL binary runs as the unprivileged user `postgres` (or a system
# user `timebank-pg`, created if `postgres` does not exist).
#
# Usage:
#   scripts/postgres_cluster.sh start DIR    # fresh cluster; prints the URL on stdout
#   scripts/postgres_cluster.sh stop DIR     # fast stop; exit 0 if nothing runs
#   scripts/postgres_cluster.sh restart DIR  # pg_ctl restart with the same options
#   scripts/postgres_cluster.sh standby DIR PRIMARY_DIR
#                                            # a hot standby of the cluster in PRIMARY_DIR
#                                            # (pg_basebackup -R, streaming), made its
#                                            # synchronous standby: a commit on the primary
#                                            # returns once the standby has it; prints its URL
#   scripts/postgres_cluster.sh promote DIR  # the standby in DIR becomes a primary
set -euo pipefail

readonly PG_ROOT=/usr/lib/postgresql
readonly DB_USER=timebank
readonly DB_NAME=timebank_test
readonly WAIT_SECONDS=30
readonly START_ATTEMPTS=3

die() {
    echo "postgres_cluster.sh: error: $*" >&2
    exit 1
}

log() {
    echo "postgres_cluster.sh: $*" >&2
}

usage() {
    echo "usage: $0 {start|stop|restart|promote} DIR  |  $0 standby DIR PRIMARY_DIR" >&2
    exit 2
}

find_bin_dir() {
    local candidates=() d
    shopt -s nullglob
    for d in "$PG_ROOT"/*/bin; do
        [[ -x "$d/pg_ctl" && -x "$d/initdb" ]] && candidates+=("$d")
    done
    shopt -u nullglob
    if ((${#candidates[@]} == 0)); then
        die "no PostgreSQL server binaries found under $PG_ROOT/*/bin (need initdb and pg_ctl; install the postgresql server package)"
    fi
    printf '%s\n' "${candidates[@]}" | sort -V | tail -n 1
}

# Set RUN_AS (empty when not root) and make sure the user exists.
setup_run_user() {
    RUN_AS=""
    if [[ "$(id -u)" -ne 0 ]]; then
        return
    fi
    if getent passwd postgres >/dev/null; then
        RUN_AS=postgres
    else
        if ! getent passwd timebank-pg >/dev/null; then
            log "running as root and no 'postgres' user exists; creating system user timebank-pg"
            useradd --system --no-create-home --shell /usr/sbin/nologin timebank-pg >&2 \
                || die "could not create system user timebank-pg"
        fi
        RUN_AS=timebank-pg
    fi
    command -v runuser >/dev/null || die "running as root but 'runuser' is not available"
}

# Run a command (a PostgreSQL binary) as the unprivileged user when root.
# Runs from inside DIR so the user never needs access to the caller's cwd.
as_pg() {
    if [[ -n "$RUN_AS" ]]; then
        (cd "$DIR" && runuser -u "$RUN_AS" -- "$@")
    else
        (cd "$DIR" && "$@")
    fi
}

# Create DIR (if needed), make it absolute, and (as root) hand it to RUN_AS.
prepare_dir() {
    mkdir -p "$DIR" || die "cannot create $DIR"
    DIR="$(cd "$DIR" && pwd -P)"
    case "$DIR" in
        *\'* | *\"* | *\\* | *[[:space:]]*)
            die "DIR must not contain quotes, backslashes or whitespace: $DIR" ;;
    esac
    # Unix socket path ($DIR/.s.PGSQL.NNNNN) must fit in sun_path (107 bytes).
    if ((${#DIR} + 18 > 107)); then
        die "DIR path is too long for a unix socket ($DIR); use a short directory such as /tmp/tbpg"
    fi
    if [[ -n "$RUN_AS" ]]; then
        local parent
        parent="$(dirname "$DIR")"
        if ! runuser -u "$RUN_AS" -- test -x "$parent"; then
            die "user '$RUN_AS' cannot traverse $parent (PostgreSQL cannot run as root); use a directory under /tmp, e.g. /tmp/tbpg"
        fi
        chown -R "$RUN_AS": "$DIR"
        chmod 755 "$DIR"
        runuser -u "$RUN_AS" -- test -w "$DIR" -a -x "$DIR" \
            || die "user '$RUN_AS' cannot write to $DIR; use a directory under /tmp, e.g. /tmp/tbpg"
    fi
}

server_options() {
    local port="$1"
    printf '%s' "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$DIR' -c max_connections=200 -c shared_buffers=128MB"
}

is_running() {
    [[ -f "$DIR/data/PG_VERSION" ]] || return 1
    as_pg "$BIN/pg_ctl" status -D "$DIR/data" >/dev/null 2>&1
}

free_port() {
    python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

show_log_tail() {
    if [[ -f "$DIR/server.log" ]]; then
        echo "---- tail of $DIR/server.log ----" >&2
        tail -n 40 "$DIR/server.log" >&2 || true
        echo "---- end of server.log ----" >&2
    else
        echo "(no $DIR/server.log)" >&2
    fi
}

# Wait (bounded) until pg_isready answers on 127.0.0.1:PORT.
wait_ready() {
    local port="$1" deadline=$((SECONDS + WAIT_SECONDS))
    while true; do
        if as_pg "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U "$DB_USER" -d postgres; then
            return 0
        fi
        if ((SECONDS >= deadline)); then
            return 1
        fi
        sleep 0.2
    done
}

stop_server() {
    if ! is_running; then
        return 0
    fi
    log "stopping server in $DIR/data"
    if ! as_pg "$BIN/pg_ctl" stop -D "$DIR/data" -m fast -w -t "$WAIT_SECONDS" >&2; then
        log "fast shutdown did not finish within ${WAIT_SECONDS}s; trying immediate shutdown"
        as_pg "$BIN/pg_ctl" stop -D "$DIR/data" -m immediate -w -t "$WAIT_SECONDS" >&2 \
            || die "could not stop server in $DIR/data"
    fi
}

cmd_start() {
    prepare_dir
    if [[ -e "$DIR/data" ]]; then
        stop_server
        rm -rf "$DIR/data"
    fi
    rm -f "$DIR/url" "$DIR/port" "$DIR/server.log"

    log "initdb in $DIR/data (binaries: $BIN)"
    local initdb_out
    if ! initdb_out="$(as_pg "$BIN/initdb" -D "$DIR/data" --auth=trust --username="$DB_USER" \
        --encoding=UTF8 --locale=C --no-instructions 2>&1)"; then
        echo "$initdb_out" >&2
        die "initdb failed for $DIR/data"
    fi

    local port attempt started=0
    for ((attempt = 1; attempt <= START_ATTEMPTS; attempt++)); do
        port="$(free_port)" || die "python3 could not find a free port"
        log "starting server on 127.0.0.1:$port (attempt $attempt)"
        if as_pg "$BIN/pg_ctl" start -D "$DIR/data" -l "$DIR/server.log" -w -t "$WAIT_SECONDS" \
            -o "$(server_options "$port")" >&2; then
            started=1
            break
        fi
        # Port stolen between probing and binding: retry with another one.
        if grep -q "could not bind\|Address already in use" "$DIR/server.log" 2>/dev/null \
            && ((attempt < START_ATTEMPTS)); then
            log "port $port was taken; retrying"
            stop_server || true
            continue
        fi
        break
    done
    if ((started == 0)); then
        log "server failed to start"
        show_log_tail
        exit 1
    fi
    if ! wait_ready "$port"; then
        log "server did not become ready within ${WAIT_SECONDS}s"
        show_log_tail
        exit 1
    fi
    echo "$port" >"$DIR/port"

    if ! as_pg "$BIN/createdb" -h 127.0.0.1 -p "$port" -U "$DB_USER" "$DB_NAME" >&2; then
        show_log_tail
        die "createdb $DB_NAME failed"
    fi

    local url="postgresql+psycopg://$DB_USER@127.0.0.1:$port/$DB_NAME"
    echo "$url" >"$DIR/url"
    log "ready: $url"
    echo "$url"
}

cmd_stop() {
    if [[ ! -d "$DIR" ]]; then
        return 0
    fi
    DIR="$(cd "$DIR" && pwd -P)"
    stop_server
}

cmd_restart() {
    [[ -f "$DIR/data/PG_VERSION" ]] || die "no cluster in $DIR/data; run '$0 start $DIR' first"
    [[ -f "$DIR/port" ]] || die "missing $DIR/port; run '$0 start $DIR' first"
    DIR="$(cd "$DIR" && pwd -P)"
    local port
    port="$(cat "$DIR/port")"
    log "restarting server in $DIR/data on 127.0.0.1:$port"
    if ! as_pg "$BIN/pg_ctl" restart -D "$DIR/data" -l "$DIR/server.log" -m fast -w \
        -t "$WAIT_SECONDS" -o "$(server_options "$port")" >&2; then
        log "server failed to restart"
        show_log_tail
        exit 1
    fi
    if ! wait_ready "$port"; then
        log "server did not become ready within ${WAIT_SECONDS}s"
        show_log_tail
        exit 1
    fi
    log "ready: $(cat "$DIR/url" 2>/dev/null || echo "127.0.0.1:$port")"
}

# A hot standby of the cluster in PRIMARY (started by `start`), streaming from it, and the
# primary told to wait for it at each commit (synchronous_standby_names, synchronous_commit on).
cmd_standby() {
    local primary="$1" primary_port port
    [[ -f "$primary/port" && -f "$primary/url" ]] || die "no running cluster in $primary; run '$0 start $primary' first"
    primary_port="$(cat "$primary/port")"
    prepare_dir
    if [[ -e "$DIR/data" ]]; then
        stop_server
        rm -rf "$DIR/data"
    fi
    rm -f "$DIR/url" "$DIR/port" "$DIR/server.log"
    log "pg_basebackup of 127.0.0.1:$primary_port into $DIR/data"
    as_pg "$BIN/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U "$DB_USER" -D "$DIR/data" \
        -R -X stream --checkpoint=fast >&2 || die "pg_basebackup from 127.0.0.1:$primary_port failed"
    port="$(free_port)" || die "python3 could not find a free port"
    log "starting the standby on 127.0.0.1:$port"
    if ! as_pg "$BIN/pg_ctl" start -D "$DIR/data" -l "$DIR/server.log" -w -t "$WAIT_SECONDS" \
        -o "$(server_options "$port") -c hot_standby=on -c cluster_name=standby" >&2; then
        show_log_tail
        die "the standby failed to start"
    fi
    wait_ready "$port" || { show_log_tail; die "the standby did not become ready within ${WAIT_SECONDS}s"; }
    echo "$port" >"$DIR/port"
    as_pg "$BIN/psql" -q -h 127.0.0.1 -p "$primary_port" -U "$DB_USER" -d postgres \
        -c "ALTER SYSTEM SET synchronous_standby_names = 'standby'" \
        -c "ALTER SYSTEM SET synchronous_commit = 'on'" -c "SELECT pg_reload_conf()" >/dev/null \
        || die "could not make the standby synchronous on 127.0.0.1:$primary_port"
    local url
    url="$(sed "s/:$primary_port\//:$port\//" "$primary/url")"
    echo "$url" >"$DIR/url"
    log "standby ready: $url (synchronous standby of 127.0.0.1:$primary_port)"
    echo "$url"
}

cmd_promote() {
    [[ -f "$DIR/data/standby.signal" ]] || die "no standby in $DIR/data (no standby.signal)"
    DIR="$(cd "$DIR" && pwd -P)"
    log "promoting the standby in $DIR/data"
    as_pg "$BIN/pg_ctl" promote -D "$DIR/data" -w -t "$WAIT_SECONDS" >&2 || die "pg_ctl promote failed"
}

main() {
    (($# == 2 || $# == 3)) || usage
    local cmd="$1"
    DIR="$2"
    [[ -n "$DIR" ]] || usage
    BIN="$(find_bin_dir)"
    setup_run_user
    case "$cmd" in
        start) cmd_start ;;
        stop) cmd_stop ;;
        restart) cmd_restart ;;
        standby) (($# == 3)) || usage; cmd_standby "$(cd "$3" && pwd -P)" ;;
        promote) cmd_promote ;;
        *) usage ;;
    esac
}

main "$@"
