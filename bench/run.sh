#!/bin/sh
# `make bench`: followupd measured against this machine's limits, each figure beside a
# baseline measured in the same run (bench/RESULTS.md says what the figures mean).
#   1. USSD hops: wrk playing complete champion sessions vs bench/bare_evhttp; then latency at
#      a fixed 1,000 hops/s (bench/ratec, open loop) for both.
#   2. Inbound SMS callbacks (stored before their 200) vs pgbench's single-row insert.
#   3. 20,000 queued messages drained into bench/mock_at vs bench/bare_curl (curl multi).
#   4. RSS idle and with 10,000 open USSD sessions; time from exec to the first /readyz 200.
# It starts its own PostgreSQL (fsync on unless BENCH_FSYNC=off), daemons and mock on free
# loopback ports, and stops them all at exit. Knobs (environment): BENCH_SECONDS (10),
# BENCH_CONNS (32), BENCH_POOL (followupd [database] pool_size; BENCH_CONNS, so that followupd
# and pgbench hold as many PostgreSQL sessions), BENCH_OUT_CONC (32),
# BENCH_ONLY ("ussd sms out mem", a subset), BENCH_KEEP=1 keeps the work directory.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-32}
POOL=${BENCH_POOL:-$CONNS}
OUTC=${BENCH_OUT_CONC:-32}
ONLY=${BENCH_ONLY:-ussd sms out mem}
FSYNC=${BENCH_FSYNC:-on}
NMSG=20000
NSESS=10000
PHONE0=250788300000         # bench champions: +250788300000 .. +250788309999
OUT=$top/build/bench
PGBIN=/usr/lib/postgresql/15/bin

say() { printf 'bench: %s\n' "$*" >&2; }
want() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }

# ---- tools ----
if ! command -v wrk >/dev/null 2>&1; then
	say "installing wrk"
	if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends wrk >&2
fi
BIN=${FOLLOWUP_BIN:-.}
[ -x "$BIN/followupd" ] && [ -x "$BIN/followupctl" ] || { say "run make first"; exit 1; }
mkdir -p "$OUT"
CFLAGS_B="-std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Wno-unused-parameter"
for t in bare_evhttp:-levent mock_at:-levent ratec:-levent bare_curl:-lcurl startup:-lcurl; do
	name=${t%%:*}
	if [ ! -x "$OUT/$name" ] || [ "bench/$name.c" -nt "$OUT/$name" ]; then
		# shellcheck disable=SC2086
		cc $CFLAGS_B -o "$OUT/$name" "bench/$name.c" ${t#*:}
	fi
done

# ---- clean-up of everything started here ----
W=$(mktemp -d /tmp/followup-bench.XXXXXX)
chmod 755 "$W"
PIDS=""
cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	./scripts/pg.sh stop "$W/data" 2>/dev/null || true
	if [ "${BENCH_KEEP:-0}" = 1 ]; then say "kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Stops one process started here and forgets it.
stop() {
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	PIDS=$(printf '%s\n' $PIDS | grep -vx "$1" | tr '\n' ' ')
}

USED_PORTS=""
free_port() { # sets FP to a loopback TCP port nobody listens on, not given out before
	while :; do
		# Below Linux's ephemeral range (32768-60999), where clients' own ports come from.
		p=$(shuf -i 20000-32000 -n 1)
		case " $USED_PORTS " in *" $p "*) continue ;; esac
		[ -z "$(ss -Htan "sport = :$p" 2>/dev/null)" ] || continue
		USED_PORTS="$USED_PORTS $p"
		FP=$p
		return
	done
}

wait_listen() { # PORT: waits up to 5 s for something to accept on 127.0.0.1:PORT
	i=0
	while [ $i -lt 200 ]; do
		[ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ] && return 0
		sleep 0.025
		i=$((i + 1))
	done
	say "nothing listens on $1"
	return 1
}

wait_http() { # URL: waits up to 10 s for a 200
	i=0
	while [ $i -lt 400 ]; do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$1" 2>/dev/null)" = 200 ] && return 0
		sleep 0.025
		i=$((i + 1))
	done
	say "no 200 from $1"
	return 1
}

kv() { # KEY LINE: the value of key=value in a line
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -1
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# ---- PostgreSQL, schema, demo data, bench champions ----
free_port; PGPORT=$FP
say "PostgreSQL in $W/data on port $PGPORT (fsync=$FSYNC)"
./scripts/pg.sh init "$W/data"
PG_FSYNC=$FSYNC ./scripts/pg.sh start "$W/data" "$PGPORT"
CONN="host=$W/data port=$PGPORT user=postgres dbname=followup"
"$PGBIN/createdb" -h "$W/data" -p "$PGPORT" -U postgres followup
export FOLLOWUP_DB="$CONN"
"$BIN/followupctl" migrate >/dev/null
for kind in routes organizations people champions topics action-items; do
	"$BIN/followupctl" import "$kind" "config/demo/$kind.csv" >/dev/null
done
# One champion per concurrent session, as no phone runs two USSD sessions at once.
awk -v p0=2507883 -v n=$NSESS 'BEGIN {
	print "phone,name,gender,language,timezone,organization,route,role"
	for (i = 0; i < n; i++)
		printf "+%s%05d,Bench Champion %d,f,en,Africa/Kigali,Imbaraga Farmers Federation,RW-NUT-2026,champion\n", p0, i, i
}' >"$W/people.csv"
awk -v p0=2507883 -v n=$NSESS 'BEGIN {
	print "route,phone,experience,location"
	for (i = 0; i < n; i++) printf "RW-NUT-2026,+%s%05d,Bench,Bench\n", p0, i
}' >"$W/champions.csv"
"$BIN/followupctl" import people "$W/people.csv" >/dev/null
"$BIN/followupctl" import champions "$W/champions.csv" >/dev/null
unset FOLLOWUP_DB
psql() { command psql -X -q -v ON_ERROR_STOP=1 -tA "$CONN" "$@"; }

# ---- followupd ----
DPID=""
DPORT=""
# start_daemon NAME EXTRA_CONF: followupd on a free port, in the background, ready.
start_daemon() {
	free_port; DPORT=$FP
	cat >"$W/$1.conf" <<CONF
[server]
listen = 127.0.0.1:$DPORT
rate_limit = 0
[database]
conninfo = $CONN
pool_size = $POOL
[messages]
dir = $top/config/messages
[checkins]
tick_seconds = 0
[console]
outbox_file = $W/outbox-$1.log
callback_token = bench
$2
CONF
	grep -q '^\[sms\]' "$W/$1.conf" || printf '[sms]\naggregator = console\n' >>"$W/$1.conf"
	"$BIN/followupd" -c "$W/$1.conf" 2>"$W/$1.log" &
	DPID=$!
	PIDS="$PIDS $DPID"
	wait_http "http://127.0.0.1:$DPORT/readyz"
}

rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }

# run_wrk CONNS THREADS SCRIPT URL: the RESULT line
run_wrk() {
	wrk -t"$2" -c"$1" -d"${SECS}s" --timeout 10s -s "bench/$3" "$4" >"$W/wrk.out" 2>&1 || true
	grep '^RESULT' "$W/wrk.out" || { cat "$W/wrk.out" >&2; echo "RESULT"; }
}

ROWS=""
row() { ROWS="$ROWS$(printf '| %s | %s | %s | %s | %s |' "$@")
"; }

# ---- 1. USSD ----
if want ussd; then
	free_port; BPORT=$FP
	"$OUT/bare_evhttp" "$BPORT" &
	BPID=$!
	PIDS="$PIDS $BPID"
	wait_listen "$BPORT"
	say "USSD: wrk -t$CONNS -c$CONNS ${SECS}s against bare evhttp"
	base=$(export USSD_PREFIX=base; run_wrk "$CONNS" "$CONNS" ussd.lua "http://127.0.0.1:$BPORT/ussd")
	say "USSD: fixed 1000 hops/s against bare evhttp"
	base_fix=$("$OUT/ratec" -u "http://127.0.0.1:$BPORT/ussd" -r 1000 -d "$SECS" -c 256 \
		-k 64 -b $PHONE0 -s basefix || true)
	stop "$BPID"

	start_daemon ussd ""
	say "USSD: wrk -t$CONNS -c$CONNS ${SECS}s against followupd (pool_size=$POOL)"
	fu=$(export USSD_PREFIX=wrk USSD_PHONE0=$PHONE0; run_wrk "$CONNS" "$CONNS" ussd.lua \
		"http://127.0.0.1:$DPORT/cb/console/bench/ussd")
	say "USSD: fixed 1000 hops/s against followupd"
	fu_fix=$("$OUT/ratec" -u "http://127.0.0.1:$DPORT/cb/console/bench/ussd" -r 1000 \
		-d "$SECS" -c 256 -k 1000 -b $((PHONE0 + 1000)) -s fix || true)
	logged=$(psql -c "SELECT count(*) FROM followup.champion_sessions cs
		JOIN followup.ussd_sessions u ON u.id = cs.ussd_session_id
		WHERE u.session_id LIKE 'wrk%'")
	stop "$DPID"
	say "USSD followupd: $fu"
	say "USSD baseline:  $base"
	say "USSD fixed followupd: $fu_fix"
	say "USSD fixed baseline:  $base_fix"
	row "USSD hops/s (wrk, $CONNS conns, full sessions)" "$(kv rate "$fu")" "$(kv rate "$base")" \
		"$(ratio "$(kv rate "$fu")" "$(kv rate "$base")")" ">= 0.25x"
	row "USSD p50 / p99 ms at full load" "$(kv p50_ms "$fu") / $(kv p99_ms "$fu")" \
		"$(kv p50_ms "$base") / $(kv p99_ms "$base")" \
		"$(ratio "$(kv p99_ms "$fu")" "$(kv p99_ms "$base")") (p99)" "-"
	row "USSD p50 / p99 ms at 1,000 hops/s (open loop)" \
		"$(kv p50_ms "$fu_fix") / $(kv p99_ms "$fu_fix")" \
		"$(kv p50_ms "$base_fix") / $(kv p99_ms "$base_fix")" \
		"$(ratio "$(kv p99_ms "$fu_fix")" "$(kv p99_ms "$base_fix")") (p99)" "p99 <= 10 ms"
	row "USSD non-200 / not CON-END / sessions logged" \
		"$(kv non200 "$fu")+$(kv non200 "$fu_fix") / $(kv bad "$fu")+$(kv bad "$fu_fix") / $logged of $(kv sessions "$fu")" \
		"$(kv non200 "$base") / $(kv bad "$base")" "-" "0 / 0"
fi

# ---- 2. inbound SMS ----
if want sms; then
	psql -c "CREATE TABLE IF NOT EXISTS public.bench_inbound (id bigserial PRIMARY KEY,
		aggregator text NOT NULL, aggregator_message_id text NOT NULL, phone text NOT NULL,
		to_address text, text text, received_at timestamptz NOT NULL,
		created_at timestamptz NOT NULL DEFAULT now(),
		UNIQUE (aggregator, aggregator_message_id))"
	say "SMS: pgbench -c$CONNS -j2 -T$SECS single-row insert"
	"$PGBIN/pgbench" -n -c "$CONNS" -j 2 -T "$SECS" -f bench/pgbench_insert.sql \
		-h "$W/data" -p "$PGPORT" -U postgres followup >"$W/pgbench.out" 2>&1 || true
	tps=$(sed -n 's/^tps = \([0-9.]*\) (without.*/\1/p' "$W/pgbench.out")
	tps=${tps:-$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$W/pgbench.out" | head -1)}
	tps=$(printf "%.0f" "${tps:-0}")
	pgl=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$W/pgbench.out")
	start_daemon sms ""
	say "SMS: wrk -t2 -c$CONNS ${SECS}s inbound callbacks against followupd"
	sms=$(export SMS_PREFIX=wrk; run_wrk "$CONNS" 2 sms.lua \
		"http://127.0.0.1:$DPORT/cb/console/bench/sms")
	stop "$DPID"
	stored=$(psql -c "SELECT count(*) FROM followup.inbound_messages
		WHERE aggregator_message_id LIKE 'wrk-%'")
	say "SMS followupd: $sms stored=$stored"
	say "SMS pgbench: tps=$tps latency_avg_ms=$pgl"
	row "Inbound SMS callbacks/s vs pgbench tps ($CONNS conc.)" "$(kv rate "$sms")" "${tps:-?}" \
		"$(ratio "$(kv rate "$sms")" "${tps:-0}")" ">= 1.0x"
	row "Inbound SMS p50 / p99 ms; non-200; rows stored / 200s" \
		"$(kv p50_ms "$sms") / $(kv p99_ms "$sms"); $(kv non200 "$sms"); $stored / $(kv requests "$sms")" \
		"avg ${pgl:-?} ms" "-" "-"
fi

# ---- 3. outbound ----
if want out; then
	free_port; MPORT=$FP
	"$OUT/mock_at" "$MPORT" >"$W/mock.out" &
	MPID=$!
	PIDS="$PIDS $MPID"
	wait_listen "$MPORT"
	say "outbound: bare curl-multi, $NMSG requests, $OUTC in flight"
	curlb=$("$OUT/bare_curl" "http://127.0.0.1:$MPORT/version1/messaging" $NMSG "$OUTC" || true)
	# Nothing but the bench rows may be waiting to go.
	psql -c "UPDATE followup.outbound_messages SET status = 'rejected'
		WHERE status IN ('queued', 'sending')"
	start_daemon out "[sms]
aggregator = africastalking
[africastalking]
username = sandbox
api_key = bench
base_url = http://127.0.0.1:$MPORT
callback_token = bench-at
[outbox]
concurrency = $OUTC
rate = 100000
batch = 1000
poll_ms = 1000"
	say "outbound: $NMSG rows queued in one INSERT, drained by followupd"
	psql -c "INSERT INTO followup.outbound_messages (phone, text, kind)
		SELECT '+2507885' || lpad((g % 100000)::text, 5, '0'), 'Bench message ' || g, 'manual'
		FROM generate_series(1, $NMSG) g"
	i=0
	while [ $i -lt 1200 ]; do
		left=$(psql -c "SELECT count(*) FROM followup.outbound_messages
			WHERE kind = 'manual' AND text LIKE 'Bench message %' AND status <> 'sent'")
		[ "$left" = 0 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	out=$(psql -F ' ' -c "SELECT count(*) FILTER (WHERE status = 'sent'),
		round(extract(epoch FROM max(sent_at) - min(created_at))::numeric, 3)
		FROM followup.outbound_messages
		WHERE kind = 'manual' AND text LIKE 'Bench message %'")
	stop "$DPID"
	stop "$MPID"
	sent=${out%% *}
	osecs=${out#* }
	orate=$(awk -v n="$sent" -v s="$osecs" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print 0 }')
	say "outbound followupd: sent=$sent seconds=$osecs rate=$orate; mock $(cat "$W/mock.out")"
	say "outbound bare curl: $curlb"
	row "Outbound msg/s ($NMSG queued, $OUTC in flight)" "$orate ($sent sent in ${osecs}s)" \
		"$(kv rate "$curlb")" "$(ratio "$orate" "$(kv rate "$curlb")")" \
		">= 0.8x and >= 2,000/s"
fi

# ---- 4. memory and start-up ----
if want mem; then
	start_daemon mem ""
	sleep 1
	idle=$(rss_kb "$DPID")
	say "memory: $NSESS USSD sessions of one hop each"
	m=$("$OUT/ratec" -u "http://127.0.0.1:$DPORT/cb/console/bench/ussd" -r 0 -c "$CONNS" \
		-n $NSESS -p "" -k $NSESS -b $PHONE0 -s mem || true)
	sleep 1
	busy=$(rss_kb "$DPID")
	hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$DPID/status")
	open=$(psql -c "SELECT count(*) FROM followup.ussd_sessions
		WHERE session_id LIKE 'mem%' AND status = 'open'")
	stop "$DPID"
	say "memory: idle=${idle}kB after=${busy}kB hwm=${hwm}kB open=$open ($m)"
	say "start-up: 5 starts"
	st=$("$OUT/startup" 5 "http://127.0.0.1:$DPORT/readyz" "$(cd "$BIN" && pwd)/followupd" -c "$W/mem.conf" \
		2>>"$W/startup.log" || true)
	say "start-up: $st"
	mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
	row "RSS idle / with $NSESS open USSD sessions (MB)" \
		"$(mb "$idle") / $(mb "$busy") (peak $(mb "$hwm"); $open open)" "-" "-" "<= 30 MB"
	row "exec to first /readyz 200 (median of 5, ms)" "$(kv median_ms "$st")" "-" "-" \
		"<= 200 ms"
fi

echo
echo "followupd bench — $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo ?), nproc $(nproc), fsync=$FSYNC, pool_size=$POOL"
echo
echo "| figure | followupd | baseline | ratio | target |"
echo "| --- | --- | --- | --- | --- |"
printf '%s' "$ROWS"
