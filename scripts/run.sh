#!/bin/sh
# `make run`: a private PostgreSQL cluster under var/ (made once, started here, stopped when
# followupd exits), the migrations, the demo route from config/demo/, and followupd in the
# foreground with the console aggregator (outbound SMS go to var/outbox.log).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
PORT=${PORT:-8080}
PGPORT=${PGPORT:-5432}
mkdir -p var
chmod 755 var

# PostgreSQL refuses to run as root: then the cluster belongs to the postgres user, who must
# be able to reach it. When the checkout is somewhere it cannot enter (/root/...), the cluster
# lives under /var/lib/followup-run/ and var/pg points there.
pgdir="$top/var/pg"
if [ "$(id -u)" -eq 0 ] && [ ! -e "$pgdir" ] && ! runuser -u postgres -- test -x "$top/var"; then
	alt=/var/lib/followup-run/$(printf '%s' "$top" | md5sum | cut -c1-12)
	mkdir -p "$alt"
	chmod 755 /var/lib/followup-run "$alt"
	ln -s "$alt/pg" "$pgdir"
	echo "run: $top is closed to the postgres user; the cluster lives in $alt/pg" >&2
fi
# Unix socket paths are limited to about 100 bytes.
sockdir="$pgdir"
if [ ${#pgdir} -gt 80 ]; then
	sockdir=/tmp/followup-run-$(printf '%s' "$top" | md5sum | cut -c1-12)
	mkdir -p "$sockdir"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$sockdir"
fi
export PG_SOCKDIR="$sockdir"

./scripts/pg.sh init "$pgdir"
if ! ./scripts/pg.sh status "$pgdir"; then
	./scripts/pg.sh start "$pgdir" "$PGPORT"
fi
trap './scripts/pg.sh stop "$pgdir"; echo "run: PostgreSQL stopped" >&2' EXIT INT TERM

conninfo="host=$sockdir port=$PGPORT user=postgres dbname=followup"
if ! psql -X -q "host=$sockdir port=$PGPORT user=postgres dbname=postgres" -tAc \
	"SELECT 1 FROM pg_database WHERE datname = 'followup'" | grep -q 1; then
	/usr/lib/postgresql/15/bin/createdb -h "$sockdir" -p "$PGPORT" -U postgres followup
fi
export FOLLOWUP_DB="$conninfo"
./followupctl migrate
for kind in routes organizations people champions topics action-items; do
	f="config/demo/$kind.csv"
	[ -f "$f" ] && ./followupctl import "$kind" "$f"
done
if [ -f config/demo/activity.sql ]; then
	psql -X -q -v ON_ERROR_STOP=1 "$conninfo" -f config/demo/activity.sql
fi

conf=var/followupd.conf
cat >"$conf" <<CONF
; Written by \`make run\` at each start; edit config/followupd.conf.example for real use.
[server]
listen = 127.0.0.1:$PORT
[database]
conninfo = $conninfo
[messages]
dir = $top/config/messages
[sms]
aggregator = console
[console]
outbox_file = $top/var/outbox.log
callback_token = dev
CONF
unset FOLLOWUP_DB
cat <<MSG >&2

run: followupd on http://127.0.0.1:$PORT (Ctrl-C stops it and PostgreSQL)
run:   curl http://127.0.0.1:$PORT/readyz
run:   ./followupctl simulate ussd --url http://127.0.0.1:$PORT/cb/console/dev/ussd --phone +250788200004   (a champion)
run:   ./followupctl simulate ussd --url http://127.0.0.1:$PORT/cb/console/dev/ussd --phone +250788100001   (a participant, rw)
run:   ./followupctl simulate sms --url http://127.0.0.1:$PORT/cb/console/dev/sms --from +250788100001 "2"
run:   ./followupctl -c $conf report
run:   outbound SMS are appended to var/outbox.log
MSG
./followupd -c "$conf" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid; ./scripts/pg.sh stop "$pgdir"; echo "run: PostgreSQL stopped" >&2' INT TERM
trap './scripts/pg.sh stop "$pgdir"; echo "run: PostgreSQL stopped" >&2' EXIT
wait $pid || true
