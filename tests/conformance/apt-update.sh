# apt-get update from a local file: repository with apt's _apt sandbox
# drop, using a private APT_CONFIG (nothing of the machine's apt state is
# touched). Usage: sh apt-update.sh DIR; prints apt's output with DIR
# replaced by "D".
set -e
D=$1
rm -rf "$D/apt"
A=$D/apt
mkdir -p "$A/repo" "$A/pkg/DEBIAN" "$A/pkg/usr/share/doc/credshim-hello" "$A/state/lists/partial" \
  "$A/cache/archives/partial" "$A/etc/sources.list.d" "$A/etc/preferences.d" "$A/etc/apt.conf.d" \
  "$A/etc/trusted.gpg.d" "$A/log"
printf 'Package: credshim-hello\nVersion: 1.0\nArchitecture: all\nMaintainer: credshim <credshim@invalid>\nDescription: a test package\n' > "$A/pkg/DEBIAN/control"
echo hello > "$A/pkg/usr/share/doc/credshim-hello/hello"
dpkg-deb --build "$A/pkg" "$A/repo/credshim-hello_1.0_all.deb" > /dev/null
(cd "$A/repo" && apt-ftparchive packages . > Packages && apt-ftparchive release . > Release)
echo "deb [trusted=yes] file:$A/repo ./" > "$A/etc/sources.list"
touch "$A/status"
cat > "$A/apt.conf" <<CONF
Dir::State "$A/state";
Dir::State::status "$A/status";
Dir::Cache "$A/cache";
Dir::Etc "$A/etc";
Dir::Etc::SourceList "$A/etc/sources.list";
Dir::Etc::SourceParts "$A/etc/sources.list.d";
Dir::Etc::Parts "$A/etc/apt.conf.d";
Dir::Etc::Preferences "$A/etc/preferences";
Dir::Etc::PreferencesParts "$A/etc/preferences.d";
Dir::Etc::TrustedParts "$A/etc/trusted.gpg.d";
Dir::Log "$A/log";
Debug::NoLocking "true";
CONF
set +e
APT_CONFIG=$A/apt.conf apt-get update 2>&1 | sed "s|$D|D|g"
echo "apt-get update: $?"
APT_CONFIG=$A/apt.conf apt-cache policy credshim-hello 2>&1 | sed "s|$D|D|g"
