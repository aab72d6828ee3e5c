#!/usr/bin/env bash
# Provisioning for jring's VMs (see ../Vagrantfile and README.md beside this file). Runs as root on
# Debian 10+ or Ubuntu 20.04+; vagrant runs it on every `vagrant up`/`vagrant provision`. It
# installs only what is missing, so on a prepared image it needs no network at all:
#   - a JDK 25: any JDK 25+ already in /usr/lib/jvm (or $JAVA_HOME), else the distribution's
#     openjdk-25-jdk-headless (Debian 13, Ubuntu 24.04), else Temurin 25 from Adoptium's apt repo;
#   - Maven 3.8+: the distribution's, else Apache Maven from Maven Central (Debian 10 has 3.6);
#   - liburing2, liburing-dev and gcc (the layout test), netcat-openbsd and curl (to try the
#     examples), where the distribution has them (Debian 10 has no liburing: jring runs on epoll);
#   - jextract, only with JRING_JEXTRACT=1 (downloaded from jdk.java.net);
# then, with JRING_IO_URING_DISABLED=N, sets kernel.io_uring_disabled=N now and at every boot;
# then runs `./jring doctor` as the VM's user in the project folder and, with
# JRING_EXPECT_BACKEND=io_uring|epoll, fails unless doctor chose that backend.
#
# No mirror host is named here: apt uses the box's own sources unless JRING_APT_MIRROR is given
# (the Vagrantfile passes the host's, read from the host's apt sources by vagrant/mirrors), and
# Maven's tarball comes from JRING_MAVEN_REPO (the Vagrantfile passes the host's Maven Central or
# its mirror) or else from what this machine's own Maven settings name.
#
# Environment: JRING_VM_USER (vagrant), JRING_DIR (/vagrant), JRING_EXPECT_BACKEND,
# JRING_IO_URING_DISABLED, JRING_JEXTRACT (0), JRING_MAVEN_VERSION (3.9.11),
# JRING_APT_MIRROR (a URI of the distribution's archive) with JRING_APT_MIRROR_OS (the ID in
# /etc/os-release of the distribution it serves; the mirror is used only on that distribution),
# JRING_APT_ARCHIVE (where Debian keeps releases that left its mirrors: the folder holding
# debian/ and debian-security/; needed only for Debian 10), JRING_MAVEN_REPO (Maven Central's URL
# or a mirror of it; needed only where the distribution has no Maven 3.8).
set -euo pipefail

RUN_AS="${JRING_VM_USER:-vagrant}"
PROJECT="${JRING_DIR:-/vagrant}"
EXPECT="${JRING_EXPECT_BACKEND:-}"
DISABLED="${JRING_IO_URING_DISABLED:-}"
WANT_JEXTRACT="${JRING_JEXTRACT:-0}"
MAVEN_VERSION="${JRING_MAVEN_VERSION:-3.9.11}"
APT_MIRROR="${JRING_APT_MIRROR:-}"
APT_MIRROR_OS="${JRING_APT_MIRROR_OS:-}"
APT_ARCHIVE="${JRING_APT_ARCHIVE:-}"
MAVEN_REPO="${JRING_MAVEN_REPO:-}"
# sha512 of apache-maven-3.9.11-bin.tar.gz as Maven Central publishes it; other versions are
# checked against the .sha512 file beside the tarball.
MAVEN_3_9_11_SHA512=bcfe4fe305c962ace56ac7b5fc7a08b87d5abd8b7e89027ab251069faebee516b0ded8961445d6d91ec1985dfe30f8153268843c89aa392733d1a3ec956c9978
JEXTRACT_URL="${JRING_JEXTRACT_URL:-https://download.java.net/java/early_access/jextract/25/2/openjdk-25-jextract+2-4_linux-x64_bin.tar.gz}"
JEXTRACT_SHA256="${JRING_JEXTRACT_SHA256:-d0cc481abc1adb16fb9514e1c5e0bfc08d38c29228bece667fb5054ceaffaa42}"
SYSCTL_CONF=/etc/sysctl.d/60-jring-io-uring.conf

say() { echo "provision: $*"; }
die() { echo "provision: FAILED: $*" >&2; exit 1; }

[[ $EUID -eq 0 ]] || die "run this as root (vagrant runs it with sudo)."
[[ -r /etc/os-release ]] || die "no /etc/os-release: this script knows Debian and Ubuntu only."
# shellcheck disable=SC1091
. /etc/os-release
command -v apt-get >/dev/null || die "no apt-get: this script knows Debian and Ubuntu only, not ${PRETTY_NAME:-this system}."
export DEBIAN_FRONTEND=noninteractive
START=$SECONDS
say "${PRETTY_NAME:-$ID}, kernel $(uname -r), $(nproc) CPUs"

getent passwd "$RUN_AS" >/dev/null || die "user $RUN_AS does not exist (set JRING_VM_USER)."
HOME_DIR="$(getent passwd "$RUN_AS" | cut -d: -f6)"
[[ -x "$PROJECT/jring" ]] || die "$PROJECT/jring not found: the project must be synced to $PROJECT (set JRING_DIR)."
MIRRORS="$PROJECT/vagrant/mirrors"   # vagrant runs a copy of this script from /tmp: use the project's

# ---------------------------------------------------------------- apt, only when something is missing
APT_STATE=""   # "", ok or failed
apt_update() { # apt-get update exits 0 when a source could not be fetched: read what it says too
  local out
  out="$(apt-get update -qq 2>&1)" && ! grep -qE '^(W|E): (Failed to fetch|Some index files failed)' <<<"$out" && return 0
  tail -n 3 <<<"$out" >&2
  return 1
}
use_apt_mirror() { # the host's mirror, where it serves this distribution; else the box's own sources
  [[ -n "$APT_MIRROR" ]] || return 0
  if [[ -n "$APT_MIRROR_OS" && "$APT_MIRROR_OS" != "${ID:-}" ]]; then
    say "apt: the host's mirror $APT_MIRROR serves $APT_MIRROR_OS, not ${ID:-this system}: keeping this machine's own apt sources"
    return 0
  fi
  local changed
  changed="$(bash "$MIRRORS" set-apt "$APT_MIRROR")" || die "cannot point apt at $APT_MIRROR (vagrant/mirrors set-apt failed)."
  if [[ -n "$changed" ]]; then say "apt: the archive's entries now use $APT_MIRROR (in: ${changed//$'\n'/, })"
  else say "apt: $APT_MIRROR (already in this machine's sources, or no entry of its own archive to change)"; fi
}
apt_update_once() {
  [[ -n "$APT_STATE" ]] && return 0
  use_apt_mirror
  say "apt-get update"
  if apt_update; then APT_STATE=ok; return 0; fi
  if [[ "${VERSION_CODENAME:-}" == buster ]]; then
    # Debian 10 left the mirrors for Debian's archive of old releases, whose Release files have
    # expired. Its address is the user's to give: no host is written into this script.
    if [[ -z "$APT_ARCHIVE" ]]; then
      say "Debian 10's mirrors failed: its packages are now only in Debian's archive of old releases; set JRING_VM_APT_ARCHIVE on the host (JRING_APT_ARCHIVE here) to that archive's URL, the folder holding debian/ and debian-security/, and provision again"
    elif ! grep -rqsF "${APT_ARCHIVE%/}/debian " /etc/apt/sources.list /etc/apt/sources.list.d; then
      say "Debian 10's mirrors failed; switching apt to ${APT_ARCHIVE%/}"
      [[ -f /etc/apt/sources.list ]] && mv /etc/apt/sources.list /etc/apt/sources.list.jring-orig
      printf '%s\n' "deb ${APT_ARCHIVE%/}/debian buster main" \
        "deb ${APT_ARCHIVE%/}/debian-security buster/updates main" >/etc/apt/sources.list
      echo 'Acquire::Check-Valid-Until "false";' >/etc/apt/apt.conf.d/99jring-archive
      if apt_update; then APT_STATE=ok; return 0; fi
    fi
  fi
  APT_STATE=failed
  say "apt-get update failed (offline?); using the package lists already here"
}
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
candidate() { # the version apt would install, or nothing
  apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | grep -v '^(none)$' || true
}
apt_install() {
  local log
  log="$(mktemp)"
  say "apt-get install $*"
  if ! apt-get install -y -qq --no-install-recommends "$@" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    die "apt-get install $* failed${APT_STATE:+ (apt-get update: $APT_STATE)}: its last lines are above."
  fi
  rm -f "$log"
}
fetch() { # url file
  if command -v curl >/dev/null; then curl -fsSL --retry 2 -o "$2" "$1"
  elif command -v wget >/dev/null; then wget -q -O "$2" "$1"
  else return 1; fi
}
ensure_fetcher() {
  command -v curl >/dev/null && [[ -d /etc/ssl/certs ]] && installed ca-certificates && return 0
  apt_update_once
  apt_install curl ca-certificates
}

# ---------------------------------------------------------------- packages the distribution has
want=() skipped=()
for pkg in ca-certificates liburing2 liburing-dev gcc netcat-openbsd curl; do
  if installed "$pkg"; then continue; fi
  apt_update_once
  if [[ -n "$(candidate "$pkg")" ]]; then want+=("$pkg"); else skipped+=("$pkg"); fi
done
if (( ${#want[@]} )); then apt_install "${want[@]}"; fi
say "packages: liburing2 $(dpkg-query -W -f='${Version}' liburing2 2>/dev/null || echo absent), gcc, liburing-dev, netcat-openbsd, curl${want[*]:+ (installed now: ${want[*]})}"
if (( ${#skipped[@]} )); then
  say "not in ${PRETTY_NAME:-this distribution}'s archive${APT_STATE:+ (apt-get update: $APT_STATE)}, skipped: ${skipped[*]}"
  [[ " ${skipped[*]} " == *" liburing2 "* ]] && say "without liburing2 jring runs on epoll (and says so)"
fi

# ---------------------------------------------------------------- JDK 25
jdk25_home() { # the first JDK 25+ (java and javac) in $JAVA_HOME or /usr/lib/jvm, or nothing
  local dir major
  for dir in ${JAVA_HOME:-} /usr/lib/jvm/*; do
    [[ -L "$dir" ]] && continue   # Debian's java-1.25.0-openjdk-amd64 -> java-25-openjdk-amd64
    [[ -x "$dir/bin/java" && -x "$dir/bin/javac" && -f "$dir/release" ]] || continue
    major="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$dir/release")"
    if [[ "$major" =~ ^[0-9]+$ ]] && (( major >= 25 )); then echo "$dir"; return 0; fi
  done
}
install_temurin() {
  say "no openjdk-25 in ${PRETTY_NAME:-this distribution}'s archive: adding Adoptium's apt repository for Temurin 25"
  ensure_fetcher
  install -d -m 0755 /etc/apt/keyrings
  fetch https://packages.adoptium.net/artifactory/api/gpg/key/public /etc/apt/keyrings/adoptium.asc \
    || die "cannot download Adoptium's key (no internet?): install a JDK 25 into /usr/lib/jvm by hand."
  echo "deb [signed-by=/etc/apt/keyrings/adoptium.asc] https://packages.adoptium.net/artifactory/deb ${VERSION_CODENAME} main" \
    >/etc/apt/sources.list.d/adoptium.list
  apt_update || die "apt-get update with Adoptium's repository failed: install a JDK 25 into /usr/lib/jvm by hand."
  apt_install temurin-25-jdk
}
JDK="$(jdk25_home)"
if [[ -n "$JDK" ]]; then
  say "JDK 25: $JDK (already installed)"
else
  apt_update_once
  if [[ -n "$(candidate openjdk-25-jdk-headless)" ]]; then apt_install openjdk-25-jdk-headless; else install_temurin; fi
  JDK="$(jdk25_home)"
  [[ -n "$JDK" ]] || die "a JDK 25 was installed but none is in /usr/lib/jvm."
  say "JDK 25: $JDK (installed now)"
fi
export JAVA_HOME="$JDK"

# ---------------------------------------------------------------- Maven 3.8+
maven_version() { # Maven 3.9 colours its banner even when piped: strip the escapes
  mvn -B -v 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' | sed -n 's/^Apache Maven \([0-9][0-9.]*\).*/\1/p' | head -n1 || true
}
maven_from_central() {
  local repo="$MAVEN_REPO"
  # Not given: what this machine's own Maven settings (root's, then the VM user's) say.
  [[ -n "$repo" ]] || repo="$(bash "$MIRRORS" maven || HOME="$HOME_DIR" bash "$MIRRORS" maven || true)"
  [[ -n "$repo" ]] || die "Maven 3.8+ is not in ${PRETTY_NAME:-this distribution}'s archive and no Maven repository is known here: set JRING_VM_MAVEN_REPO on the host (JRING_MAVEN_REPO here) to Maven Central's URL or your mirror of it (the Vagrantfile reads it from the host's ~/.m2/settings.xml or Maven when it can)."
  local base="${repo%/}/org/apache/maven/apache-maven/$MAVEN_VERSION"
  local tarball="apache-maven-$MAVEN_VERSION-bin.tar.gz" tmp sum
  say "Maven 3.8+ is not in ${PRETTY_NAME:-this distribution}'s archive: Apache Maven $MAVEN_VERSION from ${repo%/}"
  ensure_fetcher
  tmp="$(mktemp -d)"
  fetch "$base/$tarball" "$tmp/$tarball" || die "cannot download Maven $MAVEN_VERSION from $base (no internet?)."
  if [[ "$MAVEN_VERSION" == 3.9.11 ]]; then sum="$MAVEN_3_9_11_SHA512"
  else fetch "$base/$tarball.sha512" "$tmp/sha512" || die "cannot download $tarball.sha512."; sum="$(cut -c1-128 "$tmp/sha512")"; fi
  echo "$sum  $tmp/$tarball" | sha512sum -c --quiet - || die "$tarball does not match its sha512."
  tar -xzf "$tmp/$tarball" -C /opt
  ln -sfn "/opt/apache-maven-$MAVEN_VERSION/bin/mvn" /usr/local/bin/mvn
  rm -rf "$tmp"
}
MVN_VERSION="$(maven_version)"
if [[ -n "$MVN_VERSION" ]] && dpkg --compare-versions "$MVN_VERSION" ge 3.8; then
  say "Maven $MVN_VERSION: $(command -v mvn) (already installed)"
else
  apt_update_once
  cand="$(candidate maven)"
  if [[ -n "$cand" ]] && dpkg --compare-versions "$cand" ge 3.8 && ! installed maven; then
    apt_install maven
  else
    maven_from_central
  fi
  hash -r
  MVN_VERSION="$(maven_version)"
  [[ -n "$MVN_VERSION" ]] && dpkg --compare-versions "$MVN_VERSION" ge 3.8 \
    || die "Maven 3.8+ was installed but \`mvn -v\` does not report it."
  say "Maven $MVN_VERSION: $(command -v mvn) (installed now)"
fi

# ---------------------------------------------------------------- jextract (opt-in)
if [[ "$WANT_JEXTRACT" == 1 ]]; then
  if command -v jextract >/dev/null; then
    say "jextract: $(command -v jextract) (already installed)"
  else
    ensure_fetcher
    tmp="$(mktemp -d)"
    say "jextract: downloading $JEXTRACT_URL"
    fetch "$JEXTRACT_URL" "$tmp/jextract.tar.gz" \
      || die "cannot download jextract from $JEXTRACT_URL (no internet?); unset JRING_JEXTRACT to go on without it."
    echo "$JEXTRACT_SHA256  $tmp/jextract.tar.gz" | sha256sum -c --quiet - || die "the jextract download does not match its sha256."
    top="$(tar -tzf "$tmp/jextract.tar.gz" | head -n1 | cut -d/ -f1)"
    tar -xzf "$tmp/jextract.tar.gz" -C /opt
    ln -sfn "/opt/$top/bin/jextract" /usr/local/bin/jextract
    rm -rf "$tmp"
    say "jextract: /opt/$top (installed now)"
  fi
fi

# ---------------------------------------------------------------- kernel.io_uring_disabled
SYSCTL=/proc/sys/kernel/io_uring_disabled
if [[ -n "$DISABLED" ]]; then
  [[ -e "$SYSCTL" ]] || die "kernel $(uname -r) has no kernel.io_uring_disabled (it came in 6.6): use a newer box for this machine, or legacy-old-kernel for a kernel without io_uring."
  line="kernel.io_uring_disabled = $DISABLED"
  if [[ "$(cat "$SYSCTL")" != "$DISABLED" ]]; then
    { echo "$DISABLED" >"$SYSCTL"; } 2>/dev/null \
      || die "cannot write kernel.io_uring_disabled=$DISABLED ($SYSCTL is read-only: a container? this needs a VM)."
  fi
  install -d -m 0755 "$(dirname "$SYSCTL_CONF")"
  [[ "$(cat "$SYSCTL_CONF" 2>/dev/null || true)" == "$line" ]] || echo "$line" >"$SYSCTL_CONF"
  say "kernel.io_uring_disabled = $(cat "$SYSCTL") (persisted in $SYSCTL_CONF)"
elif [[ -f "$SYSCTL_CONF" ]]; then
  # This machine was provisioned as a disabled one before: undo it.
  rm -f "$SYSCTL_CONF"
  if [[ -e "$SYSCTL" && "$(cat "$SYSCTL")" != 0 ]]; then
    { echo 0 >"$SYSCTL"; } 2>/dev/null || die "cannot reset kernel.io_uring_disabled to 0 ($SYSCTL is read-only)."
  fi
  say "kernel.io_uring_disabled reset to 0 ($SYSCTL_CONF removed)"
fi

# ---------------------------------------------------------------- ./jring doctor as the VM's user
say "running ./jring doctor as $RUN_AS in $PROJECT (the first run builds the project)"
report="$(mktemp)"
status=0
runuser -u "$RUN_AS" -- env -i HOME="$HOME_DIR" USER="$RUN_AS" LANG=C.UTF-8 \
  PATH=/usr/local/bin:/usr/bin:/bin bash -c "cd '$PROJECT' && ./jring doctor" 2>&1 | tee "$report" || status=$?
backend="$(sed -n 's/^backend: //p' "$report" | tail -n1)"
rm -f "$report"
(( status == 0 )) || die "./jring doctor exited with status $status (its output is above)."
if [[ -n "$EXPECT" && "${backend%% *}" != "$EXPECT" ]]; then
  die "this machine should run jring on $EXPECT, but doctor chose: ${backend:-nothing}."
fi
say "done in $((SECONDS - START)) s: backend: $backend"
