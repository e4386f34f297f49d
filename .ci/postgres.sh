#!/usr/bin/env bash
# A throwaway PostgreSQL server for CI: the BI target of `ai-index build --target postgres`.
#
#   eval "$(bash .ci/postgres.sh)"        # install if missing, create, start; exports the DSNs
#   bash .ci/postgres.sh stop             # stop it (the data directory stays for the next run)
#
# Idempotent: a second run reuses the cluster, roles and passwords of the first. Only the `export` lines
# go to stdout (so the caller can eval them); everything else goes to stderr.
#
# The server listens on 127.0.0.1 only, its socket lives in the 0700 root directory, and it runs as the
# `postgres` OS user when this script runs as root (as the calling user otherwise). Roles:
#   ai_index_builder  LOGIN, owner of database ai_index: loads raw, runs dbt; CREATEDB so the tests can
#                     publish into a database of their own
#   ai_index_bi       LOGIN, CONNECT only; USAGE on schema marts and SELECT on its tables are granted by
#                     orchestration.postgres.publish_to_postgres after every build
#
# Environment: AI_INDEX_PG_ROOT (default ${TMPDIR:-/tmp}/ai-index-postgres), AI_INDEX_PG_PORT (default:
# the port of the existing cluster, else 55432 or the next free port after it).
set -euo pipefail

ROOT="${AI_INDEX_PG_ROOT:-${TMPDIR:-/tmp}/ai-index-postgres}"
DATA="$ROOT/data"
DATABASE=ai_index
BUILDER=ai_index_builder
BI=ai_index_bi

say() { echo "postgres.sh: $*" >&2; }

if [[ $EUID -eq 0 ]]; then
    OWNER=postgres
    as_owner() { runuser -u "$OWNER" -- "$@"; }
else
    OWNER="$(id -un)"
    as_owner() { "$@"; }
fi

pg_bindir() {
    # Debian keeps the server binaries out of PATH, under /usr/lib/postgresql/<major>/bin.
    local dirs=(/usr/lib/postgresql/*/bin) dir
    dir="$(printf '%s\n' "${dirs[@]}" | sort -V | tail -n 1)"
    if [[ -n "$dir" && -x "$dir/initdb" ]]; then
        echo "$dir"
    elif command -v initdb >/dev/null; then
        dirname "$(readlink -f "$(command -v initdb)")"
    fi
}

install_postgres() {
    if [[ -n "$(pg_bindir)" ]]; then
        return  # initdb and pg_ctl are all this script needs (not Debian's pg_ctlcluster wrappers)
    fi
    if [[ $EUID -ne 0 ]]; then
        say "PostgreSQL is not installed and installing it needs root (apt-get install postgresql)"
        exit 1
    fi
    say "installing postgresql from the Debian packages"
    apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql >&2
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

choose_port() {
    if [[ -f "$ROOT/port" ]]; then
        cat "$ROOT/port"
        return
    fi
    if [[ -n "${AI_INDEX_PG_PORT:-}" ]]; then
        echo "$AI_INDEX_PG_PORT"
        return
    fi
    local port
    for port in $(seq 55432 55481); do
        if ! port_in_use "$port"; then
            echo "$port"
            return
        fi
    done
    say "no free port in 55432-55481: set AI_INDEX_PG_PORT"
    exit 1
}

new_secret() { od -An -tx1 -N18 /dev/urandom | tr -d ' \n'; }

if [[ "${1:-}" == "stop" ]]; then
    BIN="$(pg_bindir)"
    if [[ -n "$BIN" && -f "$DATA/PG_VERSION" ]] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
        as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2
    fi
    exit 0
fi

install_postgres
BIN="$(pg_bindir)"
[[ -n "$BIN" ]] || { say "initdb not found after installing postgresql"; exit 1; }

mkdir -p "$ROOT"
chown "$OWNER" "$ROOT"
chmod 700 "$ROOT"

if [[ ! -f "$DATA/PG_VERSION" ]]; then
    PORT="$(choose_port)"
    say "creating a cluster in $DATA (port $PORT)"
    # C.UTF-8 collates by code point, as DuckDB does, and cases letters beyond ASCII.
    locale=C.UTF-8
    locale -a 2>/dev/null | grep -qix 'c.utf-\?8' || locale=C
    as_owner "$BIN/initdb" -D "$DATA" -U "$OWNER" --encoding=UTF8 --locale="$locale" \
        --auth-local=peer --auth-host=scram-sha-256 >&2
    cat >>"$DATA/postgresql.conf" <<EOF
# .ci/postgres.sh
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$ROOT'
EOF
    echo "$PORT" >"$ROOT/port"
    (umask 077 && printf '%s\n%s\n' "$(new_secret)" "$(new_secret)" >"$ROOT/secrets")
    chown "$OWNER" "$ROOT/port" "$ROOT/secrets"
fi
PORT="$(cat "$ROOT/port")"
{ read -r BUILDER_PASSWORD; read -r BI_PASSWORD; } <"$ROOT/secrets"

if ! as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    if port_in_use "$PORT"; then
        say "port $PORT is taken by another process: remove $ROOT or set AI_INDEX_PG_ROOT elsewhere"
        exit 1
    fi
    say "starting the server on 127.0.0.1:$PORT"
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$ROOT/server.log" -w -t 60 start >&2
fi

psql_admin() {
    as_owner "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$ROOT" -p "$PORT" -U "$OWNER" "$@"
}

# Values reach SQL as psql variables, quoted by format(%I, %L); \gexec runs the generated statements.
psql_admin -d postgres \
    -v builder="$BUILDER" -v builder_password="$BUILDER_PASSWORD" \
    -v bi="$BI" -v bi_password="$BI_PASSWORD" -v database="$DATABASE" >&2 <<'SQL'
select format('create role %I', :'builder') where not exists (select from pg_roles where rolname = :'builder')
\gexec
select format('create role %I', :'bi') where not exists (select from pg_roles where rolname = :'bi')
\gexec
select format('alter role %I login createdb nosuperuser nocreaterole password %L', :'builder', :'builder_password')
\gexec
select format('alter role %I login nocreatedb nosuperuser nocreaterole password %L', :'bi', :'bi_password')
\gexec
select format('create database %I owner %I template template0 encoding %L', :'database', :'builder', 'UTF8')
where not exists (select from pg_database where datname = :'database')
\gexec
select format('revoke all on database %I from public', :'database')
\gexec
select format('grant connect on database %I to %I', :'database', :'bi')
\gexec
SQL

say "ready: database $DATABASE on 127.0.0.1:$PORT (data in $DATA, log in $ROOT/server.log)"
printf 'export AI_INDEX_PG_DSN=%q\n' "postgresql://$BUILDER:$BUILDER_PASSWORD@127.0.0.1:$PORT/$DATABASE"
printf 'export AI_INDEX_PG_BI_DSN=%q\n' "postgresql://$BI:$BI_PASSWORD@127.0.0.1:$PORT/$DATABASE"
printf 'export AI_INDEX_PG_READONLY_ROLE=%q\n' "$BI"
