#!/bin/sh
# Installs the Debian 12 packages that the build, the tests and `make run` need, when missing.
# Runs apt-get as root or through sudo; does nothing when everything is already there.
set -eu

PKGS="build-essential pkg-config libevent-dev libpq-dev libcurl4-openssl-dev libjansson-dev
libinih-dev libssl-dev libcmocka-dev postgresql-15 postgresql-client-15 curl clang
libclang-rt-14-dev valgrind systemd kannel kannel-extras"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# The server package must not start a system cluster we do not use.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod +x /usr/sbin/policy-rc.d
	trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
