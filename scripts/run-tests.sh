#!/bin/sh
# Runs test binaries one after the other, shows the output of those that fail, and ends with
# the summary line "N passed, N failed". Exit status 1 when any failed.
kind=$1; shift
pass=0; fail=0; failed=""
log=$(mktemp)
for t in "$@"; do
	start=$(date +%s)
	if "$t" >"$log" 2>&1; then
		pass=$((pass + 1)); st=ok
	else
		fail=$((fail + 1)); st=FAIL; failed="$failed $t"
		cat "$log"
	fi
	printf '%-5s %s (%ss)\n' "$st" "$t" "$(( $(date +%s) - start ))"
done
rm -f "$log"
[ -n "$failed" ] && echo "failed:$failed"
echo "$kind: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
