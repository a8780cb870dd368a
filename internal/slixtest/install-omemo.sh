#!/bin/sh
# Installs slixmpp-omemo, the third-party OMEMO client of the interop tests
# (internal/slixtest's OMEMO mode), on Debian 12. make deps runs it, as
# root, when /usr/bin/python3 cannot import slixmpp_omemo.
#
# Debian 12 has no python3-slixmpp-omemo, and its python3-omemo (1.0.2) is
# too old for it. Debian 13's packages of the four are architecture-
# independent and install on bookworm next to bookworm's python3-xeddsa,
# x3dh, doubleratchet, pydantic, nacl and protobuf. So apt-get fetches the
# four from trixie with an apt state of its own, STATE: the system's
# sources, lists and caches are not touched, nothing from trixie other than
# these four is installed, and there is no pin: the archive's current trixie
# versions are taken. Then the system's apt installs them, resolving the
# rest from bookworm.
#
#   install-omemo.sh                  fetch and install (root)
#   install-omemo.sh --download-only  fetch into STATE/debs only (any user)
#
# STATE is $CLOVE_TRIXIE_APT, by default /var/cache/clove/apt-trixie.
set -eu

download_only=false
case "${1:-}" in
--download-only) download_only=true ;;
"") ;;
*) echo "usage: $0 [--download-only]" >&2; exit 2 ;;
esac

state=${CLOVE_TRIXIE_APT:-/var/cache/clove/apt-trixie}
pkgs="python3-slixmpp-omemo python3-omemo python3-oldmemo python3-twomemo"

mkdir -p "$state/lists/partial"
# Only this run's .debs: an older version left here must not be installed.
rm -rf "$state/debs"
mkdir -p "$state/debs"
# The keyring bookworm's own sources use; it holds trixie's keys too.
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" >"$state/sources.list"
if [ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1; then
	# apt downloads as _apt; without write access it falls back to root
	# with a warning.
	chown _apt "$state/lists/partial" "$state/debs"
fi

# Only the package lists are needed (not AppStream's DEP-11 metadata, which
# appstream's apt.conf.d file asks for, nor translations). The caches set
# empty are built in memory: the system's are not overwritten with trixie's
# view, and STATE stays ~20 MB.
trixie() {
	apt-get -qq \
		-o Dir::Etc::sourcelist="$state/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$state/lists" \
		-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
		-o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false -o Acquire::Languages=none \
		"$@"
}
trixie update
# apt-get download writes to the current directory.
(cd "$state/debs" && trixie download $pkgs)
if $download_only; then
	ls "$state/debs"
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# The bookworm dependencies come from the system's lists: fresh ones, in
# case make deps had nothing else to install and did not update them.
apt-get update -qq
# python3-xmlschema (and its python3-elementpath): slixmpp_omemo and
# oldmemo.etree import it, but none of the four packages declares it (it is
# an optional extra upstream); bookworm's 1.10 does.
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
	"$state"/debs/*.deb python3-xmlschema python3-elementpath >/dev/null
# The check make deps makes; slixmpp's warning about its pure-Python
# stringprep is not news.
/usr/bin/python3 -c 'import logging; logging.disable(logging.WARNING); import slixmpp_omemo'
