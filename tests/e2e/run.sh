#!/usr/bin/env bash
# Run every end-to-end test; fail if any fails. Prints "N passed, M failed".
set -u
cd "$(dirname "$0")"
pass=0 failn=0 failed=()
for t in ${TTT_E2E_TESTS:-test_*.sh}; do
	echo "== tests/e2e/$t"
	if timeout 600 bash "$t"; then pass=$((pass + 1)); else failn=$((failn + 1)); failed+=("$t"); fi
done
[ "$failn" -eq 0 ] || echo "failed: ${failed[*]}"
echo "e2e: $pass passed, $failn failed"
[ "$failn" -eq 0 ]
