#!/bin/sh
# shellcheck disable=SC2086 # $PKGS, $VG and $names are meant to split into words
# Builds every libFuzzer target (tests/fuzz/fuzz_*.c) with clang and runs each for SECONDS,
# two at a time (one per core). The core sources (gateway/*.c but main.c, handlers/*.c) are
# compiled once into $B/fuzz/libfuzzcore.a with the same sanitizers, so a target links what
# it needs without listing files. New corpus entries go to $B/fuzz/corpus-run/<name>, seeded
# from tests/fuzz/corpus/<name>, so a run never writes into tests/. A crash, leak or timeout
# leaves its input under $B/fuzz/artifacts/<name>/ and fails the run.
#
#   scripts/fuzz.sh [SECONDS [NAME...]]   SECONDS (default 60) per target; NAME (e.g.
#                                         "reply") runs only those; B (build directory,
#                                         default "build") from the environment, as
#                                         `make B=... fuzz` passes it
# FUZZ_SEED (default 1) fixes libFuzzer's random seed, so a run explores the same inputs
# every time (a longer run first explores what a shorter one did, then more).
# Installs nothing (make deps does). Prints one line per target, then
# "fuzz: N passed, M failed"; exit status 1 when a target failed or the build did.
set -eu

secs=${1:-60}
case "$secs" in "" | 0 | *[!0-9]*) echo "usage: fuzz.sh [SECONDS > 0 [NAME...]]" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."
D=${B:-build}/fuzz
CC=${FUZZ_CC:-clang}
PKGS="libevent libpq libcurl jansson inih libcrypto"

command -v "$CC" >/dev/null || { echo "fuzz: $CC not found (make deps)" >&2; exit 1; }
mkdir -p "$D"

# The build, as a makefile on stdin: parallel and incremental (-MMD), like the main one.
SAN="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all"
COMMON="-std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Igateway -Ihandlers -Itools \
 -DFOLLOWUP_DATADIR='\"/usr/local/share/followup\"' $(pkg-config --cflags $PKGS) $SAN"
# The targets themselves are held to the tree's warnings; the core is, by the main build.
STRICT="-Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes"
if ! make -s -j2 -f - D="$D" CC="$CC" COMMON="$COMMON" STRICT="$STRICT" \
	LIBS="$(pkg-config --libs $PKGS) -lm" all <<'EOF'
LIB_SRC := $(filter-out gateway/main.c,$(wildcard gateway/*.c)) $(wildcard handlers/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(D)/obj/%.o)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
TARGETS := $(FUZZ_SRC:tests/fuzz/%.c=$(D)/%)

all: $(TARGETS)

$(D)/libfuzzcore.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

# The shorter stem wins: targets get this rule, the core the one below.
$(D)/obj/tests/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(@D)
	$(CC) $(COMMON) $(STRICT) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(D)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(COMMON) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(D)/fuzz_%: $(D)/obj/tests/fuzz/fuzz_%.o $(D)/libfuzzcore.a
	$(CC) $(COMMON) -fsanitize=fuzzer -o $@ $^ $(LIBS)

.SECONDARY:
-include $(LIB_OBJ:.o=.d) $(FUZZ_SRC:tests/fuzz/%.c=$(D)/obj/tests/fuzz/%.d)
EOF
then
	echo "fuzz: build failed"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
fi

# Runs target $1 for $secs seconds; writes one result line to $D/logs/$1.result.
run_one() {
	name=$1
	run="$D/corpus-run/$name" art="$D/artifacts/$name/" log="$D/logs/$name.log"
	seeds=""
	mkdir -p "$run" "$art" "$D/logs"
	[ -d "tests/fuzz/corpus/$name" ] && seeds="tests/fuzz/corpus/$name"
	start=$(date +%s)
	# stdin from /dev/null: a fuzzed config may name /dev/stdin as a secret file.
	# shellcheck disable=SC2086
	ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer || true)} \
	"$D/fuzz_$name" -seed="${FUZZ_SEED:-1}" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art" "$run" $seeds \
		</dev/null >"$log" 2>&1 &
	pid=$!
	rc=0
	wait "$pid" || rc=$?
	# A target that needs files keeps them in /tmp/fuzz_<name>.<pid> (fuzz_catalog), which
	# a crash leaves behind.
	rm -rf "/tmp/fuzz_$name.$pid"
	if [ "$rc" -eq 0 ]; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
		echo "fuzz_$name: ${execs:-?} execs in $(( $(date +%s) - start )) s, ok" \
			>"$D/logs/$name.result"
	else
		crash=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)
		{
			echo "fuzz_$name: FAILED after $(( $(date +%s) - start )) s:" \
				"${crash:-no artifact} (log $log)"
			# The sanitizer's report (or libFuzzer's when a property aborted), without
			# the frames of libFuzzer and the sanitizers themselves.
			grep -m 1 -A 40 -E '^==[0-9]+== ?ERROR|runtime error:' "$log" |
				awk '/^ *#[0-9]+ / { if ($0 ~ /(gateway|handlers|tests|tools)\//) print; next }
				     /^(SUMMARY|==|[a-z]+\/)/ || /runtime error/ { print }' |
				head -n 14 | sed 's/^/    /'
		} >"$D/logs/$name.result"
		return 1
	fi
}

shift $(( $# > 0 ? 1 : 0 ))
names="$*" # NAME... runs only those targets (all are built)
if [ -z "$names" ]; then
	for f in tests/fuzz/fuzz_*.c; do
		n=${f#tests/fuzz/fuzz_}
		names="$names ${n%.c}"
	done
fi

pass=0 fail=0
set -- $names
while [ $# -gt 0 ]; do
	a=$1; shift
	b=""
	if [ $# -gt 0 ]; then b=$1; shift; fi
	run_one "$a" & pa=$!
	if [ -n "$b" ]; then run_one "$b" & pb=$!; fi
	if wait "$pa"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
	cat "$D/logs/$a.result"
	if [ -n "$b" ]; then
		if wait "$pb"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
		cat "$D/logs/$b.result"
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
