#!/bin/sh
# shellcheck disable=SC2086 # $PKGS, $VG and $names are meant to split into words
# The unit tests and a short integration run under valgrind's memcheck.
#  1. Every tests/unit/test_*.c, built without sanitizers (memcheck cannot run them) into
#     $B/vg/, runs under memcheck: any error, or a definite or indirect leak, fails it.
#  2. A throwaway PostgreSQL (scripts/pg.sh) with the migrations and the demo data, and
#     $BIN/followupd (from `make all`) under memcheck: probes, /metrics, a champion's USSD
#     session and an inbound SMS through the console adapter, then SIGTERM; the daemon must
#     exit 0 with no memcheck error and no definite or indirect leak.
#
#   scripts/valgrind.sh        B (build directory, default "build") and BIN (where followupd
#                              and followupctl are, default ".") from the environment
# Prints one line per test, then "valgrind: N passed, M failed"; exit status 1 when any
# failed. Every process and temporary directory it starts is gone when it returns.
set -eu

cd "$(dirname "$0")/.."
D=${B:-build}/vg
BIN=${BIN:-.}
PKGS="libevent libpq libcurl jansson inih libcrypto"
VG="valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect
 --track-origins=yes -q"

command -v valgrind >/dev/null || { echo "valgrind: not installed (make deps)" >&2; exit 1; }
mkdir -p "$D"
pass=0 fail=0

result() { # name, status, seconds[, detail file]
	if [ "$2" -eq 0 ]; then
		pass=$((pass + 1))
		printf 'ok    %s (%ss)\n' "$1" "$3"
	else
		fail=$((fail + 1))
		[ -n "${4:-}" ] && [ -s "$4" ] && sed 's/^/    /' "$4" | head -n 60
		printf 'FAIL  %s (%ss)\n' "$1" "$3"
	fi
}

# ---- 1. unit tests ----------------------------------------------------------------------
if ! make -s -j2 -f - D="$D" CC="${CC:-cc}" \
	CFLAGS_VG="-std=c11 -D_GNU_SOURCE -O0 -g -Igateway -Ihandlers -Itools \
 -DFOLLOWUP_DATADIR='\"/usr/local/share/followup\"' $(pkg-config --cflags $PKGS)" \
	LIBS="$(pkg-config --libs $PKGS cmocka) -lm" all <<'EOF'
LIB_SRC := $(filter-out gateway/main.c,$(wildcard gateway/*.c)) $(wildcard handlers/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(D)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
TESTS := $(UNIT_SRC:tests/unit/%.c=$(D)/%)

all: $(TESTS)

$(D)/libvgcore.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(D)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_VG) -MMD -MP -c -o $@ $<

$(D)/test_%: $(D)/obj/tests/unit/test_%.o $(D)/libvgcore.a
	$(CC) -g -o $@ $^ $(LIBS)

.SECONDARY:
-include $(LIB_OBJ:.o=.d) $(UNIT_SRC:tests/unit/%.c=$(D)/obj/tests/unit/%.d)
EOF
then
	echo "valgrind: build failed"
	echo "valgrind: 0 passed, 1 failed"
	exit 1
fi

for src in tests/unit/test_*.c; do
	t=$(basename "$src" .c)
	start=$(date +%s)
	st=0
	# shellcheck disable=SC2086
	$VG --log-file="$D/$t.vg" "$D/$t" >"$D/$t.out" 2>&1 || st=$?
	cat "$D/$t.out" >>"$D/$t.vg"
	result "$t" "$st" "$(( $(date +%s) - start ))" "$D/$t.vg"
done

# ---- 2. followupd under memcheck ----------------------------------------------------------
tmp="" dpid="" pg_up=""
cleanup() {
	if [ -n "$dpid" ] && kill -0 "$dpid" 2>/dev/null; then
		kill -KILL "$dpid" 2>/dev/null || true
		wait "$dpid" 2>/dev/null || true
	fi
	[ -n "$pg_up" ] && ./scripts/pg.sh stop "$tmp/data"
	[ -n "$tmp" ] && rm -rf "$tmp" "$tmp/data.initdb.log"
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

integration() {
	tmp=$(mktemp -d /tmp/followup-vg.XXXXXX)
	chmod 755 "$tmp" # the postgres user must enter it when we are root
	log="$tmp/steps.log"
	: >"$log"
	pgport=$((20000 + $$ % 20000)) # names the socket file only: no TCP
	export FOLLOWUP_DB="host=$tmp/data port=$pgport user=postgres dbname=followup connect_timeout=5"
	if ! { ./scripts/pg.sh init "$tmp/data" && PG_FSYNC=off ./scripts/pg.sh start "$tmp/data" "$pgport"; } \
		>>"$log" 2>&1; then
		echo "PostgreSQL did not start" >>"$log"
		return 1
	fi
	pg_up=1
	/usr/lib/postgresql/15/bin/createdb -h "$tmp/data" -p "$pgport" -U postgres followup \
		>>"$log" 2>&1 || return 1
	"$BIN/followupctl" migrate >>"$log" 2>&1 || { echo "migrate failed" >>"$log"; return 1; }
	for kind in routes organizations people champions topics action-items; do
		"$BIN/followupctl" import "$kind" "config/demo/$kind.csv" >>"$log" 2>&1 ||
			{ echo "import $kind failed" >>"$log"; return 1; }
	done

	# A port nobody answers on (curl exit status 7: connection refused).
	port=$((40000 + $$ % 20000))
	while curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null || [ $? -ne 7 ]; do
		port=$((port + 1))
	done
	base="http://127.0.0.1:$port"
	cat >"$tmp/followupd.conf" <<CONF
[server]
listen = 127.0.0.1:$port
[database]
conninfo = $FOLLOWUP_DB
pool_size = 2
query_timeout_ms = 5000
[messages]
dir = $PWD/config/messages
[sms]
aggregator = console
[console]
outbox_file = $tmp/outbox.log
callback_token = vg-token
CONF
	# shellcheck disable=SC2086
	$VG --log-file="$tmp/memcheck.log" "$BIN/followupd" -c "$tmp/followupd.conf" \
		>"$tmp/followupd.log" 2>&1 &
	dpid=$!
	up=""
	for _ in $(seq 1 240); do # memcheck starts slowly: up to a minute
		if curl -s -o /dev/null -m 5 "$base/healthz"; then up=1; break; fi
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.25
	done
	if [ -z "$up" ]; then
		echo "followupd did not come up:" >>"$log"
		cat "$tmp/followupd.log" "$tmp/memcheck.log" >>"$log" 2>/dev/null
		return 1
	fi

	ok=1
	# expect STATUS METHOD PATH [BODY]: the answer goes to $tmp/answer.
	expect() {
		want=$1 method=$2 path=$3
		if [ $# -ge 4 ]; then
			got=$(curl -s -m 30 -o "$tmp/answer" -w '%{http_code}' -X "$method" \
				-H 'Content-Type: application/x-www-form-urlencoded' --data "$4" \
				"$base$path") || true
		else
			got=$(curl -s -m 30 -o "$tmp/answer" -w '%{http_code}' "$base$path") || true
		fi
		echo "$method $path -> $got" >>"$log"
		if [ "$got" != "$want" ]; then
			echo "  expected $want: $(head -c 300 "$tmp/answer")" >>"$log"
			ok=""
		fi
	}
	expect 200 GET /healthz
	expect 200 GET /readyz
	expect 200 GET /metrics
	grep -q '^followup_http_requests_total' "$tmp/answer" ||
		{ echo "  /metrics without followup_http_requests_total" >>"$log"; ok=""; }
	# A champion logs a session, as tests/integration/test_ussd.c does: menu, log a session,
	# the first topic, today, 12 women, 5 men, confirm.
	text=""
	n=0
	for input in "" 1 1 1 12 5 1; do
		if [ $n -eq 1 ]; then text=$input; elif [ $n -gt 1 ]; then text="$text%2A$input"; fi
		n=$((n + 1))
		expect 200 POST /cb/console/vg-token/ussd \
			"sessionId=vg-session-1&serviceCode=%2A384%2A44135%23&phoneNumber=%2B250788200004&networkCode=63510&text=$text"
		case "$(head -c 4 "$tmp/answer")" in
		"CON " | "END ") ;;
		*) echo "  not a USSD answer: $(head -c 200 "$tmp/answer")" >>"$log"; ok="" ;;
		esac
	done
	grep -q '^END ' "$tmp/answer" ||
		{ echo "  the session did not end: $(head -c 200 "$tmp/answer")" >>"$log"; ok=""; }
	now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	expect 200 POST /cb/console/vg-token/sms \
		"from=%2B250788100004&to=12345&text=3%20done&id=vg-sms-1&date=$now&networkCode=63510"
	expect 200 GET /metrics

	kill -TERM "$dpid"
	st=0
	wait "$dpid" || st=$?
	dpid=""
	echo "followupd exit status $st" >>"$log"
	if [ -s "$tmp/memcheck.log" ]; then
		echo "memcheck:" >>"$log"
		cat "$tmp/memcheck.log" >>"$log"
	fi
	[ "$st" -eq 0 ] && [ ! -s "$tmp/memcheck.log" ] && [ -n "$ok" ] && return 0
	echo "followupd log (tail):" >>"$log"
	tail -n 30 "$tmp/followupd.log" >>"$log"
	return 1
}

start=$(date +%s)
st=0
integration || st=$?
# The details outlive the temporary directory.
[ -n "$tmp" ] && [ -f "$tmp/steps.log" ] && cp "$tmp/steps.log" "$D/followupd.log"
result "followupd (probes, USSD session, SMS)" "$st" "$(( $(date +%s) - start ))" \
	"$D/followupd.log"
cleanup
tmp="" pg_up=""
echo "valgrind: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
