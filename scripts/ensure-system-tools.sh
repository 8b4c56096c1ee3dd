#!/usr/bin/env bash
# The live tests drive real system tools (sshd -T, restic, borg, PostgreSQL 15, chromium). On a fresh
# Debian machine, install the missing ones so that `npm test` alone passes; elsewhere, say
# exactly what is missing instead of skipping tests.
set -euo pipefail
missing=()
command -v restic >/dev/null 2>&1 || missing+=(restic)
command -v borg >/dev/null 2>&1 || missing+=(borgbackup)
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/sbin/squid ] || missing+=(squid)
[ -f /usr/lib/chromium/locales/fr.pak ] || missing+=(chromium-l10n)
# The telemaintenance gateway set up for real (tests/helpers/gateway-host.ts).
[ -x /usr/sbin/nft ] || missing+=(nftables)
[ -x /usr/sbin/openvpn ] || missing+=(openvpn)
[ -x /usr/sbin/chronyd ] || missing+=(chrony)
[ -x /usr/sbin/rsyslogd ] || missing+=(rsyslog)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system tools the tests use: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "the tests need these Debian packages: ${missing[*]} (run as root on Debian, or install them)" >&2
exit 1
