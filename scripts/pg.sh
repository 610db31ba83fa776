#!/bin/sh
# A private PostgreSQL cluster, for tests and `make run`. It listens only on a unix socket in
# its own directory, so clusters never collide on a TCP port. PostgreSQL refuses to run as
# root: then the cluster belongs to the postgres user, which must be able to enter DIR.
#
#   pg.sh init  DIR          initdb once (superuser "postgres", trust over the socket)
#   pg.sh start DIR PORT     start and wait; the socket is DIR/.s.PGSQL.PORT (or in
#                            $PG_SOCKDIR when set)
#   pg.sh status DIR         exit 0 when the cluster is running
#   pg.sh stop  DIR          fast shutdown and wait
#   pg.sh kill  DIR          immediate shutdown (a crash, as far as clients can tell)
set -eu
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
cmd=$1; dir=$2

as_owner() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
init)
	[ -f "$dir/PG_VERSION" ] && exit 0
	mkdir -p "$dir"
	if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; fi
	chmod 700 "$dir"
	as_owner "$PGBIN/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C.UTF-8 -N \
		>"$dir.initdb.log" 2>&1 || { cat "$dir.initdb.log" >&2; exit 1; }
	;;
start)
	port=$3
	as_owner "$PGBIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 30 \
		-o "-p $port -k ${PG_SOCKDIR:-$dir} -c listen_addresses= -c fsync=${PG_FSYNC:-on} -c max_connections=60" \
		start >/dev/null
	;;
status)
	as_owner "$PGBIN/pg_ctl" -D "$dir" status >/dev/null 2>&1
	;;
stop)
	as_owner "$PGBIN/pg_ctl" -D "$dir" -m fast -w -t 30 stop >/dev/null 2>&1 || true
	;;
kill)
	as_owner "$PGBIN/pg_ctl" -D "$dir" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
	;;
*)
	echo "usage: pg.sh init|start|status|stop|kill DIR [PORT]" >&2; exit 2
	;;
esac
