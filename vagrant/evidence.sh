#!/usr/bin/env bash
# Evidence for the VMs without VMs (no boxes can be downloaded on the project's machines).
# Run as root on a Debian machine with Debian's packages reachable:
#
#   vagrant/evidence.sh [validate] [nspawn] [RELEASE...]   default: validate nspawn bookworm trixie
#
# validate  `vagrant validate` of ../Vagrantfile for libvirt (Debian's vagrant-libvirt) and for
#           VirtualBox (a stub VBoxManage that prints a version), with default and overridden env.
# nspawn    for each Debian RELEASE (bookworm = 12, trixie = 13): a debootstrap'd root, the
#           project copied to /vagrant, and in systemd-nspawn:
#             1. provision.sh (installs what is missing, builds, doctor)  -> backend: io_uring
#             2. provision.sh again, no network (nothing left to install) -> backend: io_uring
#             3. the same with io_uring_setup/enter/register refused by seccomp (EPERM)
#                                                                         -> backend: epoll (reason: io_uring_setup: EPERM ...)
#             4. the echo example answers a message through nc, with and without the filter
#             5. provision.sh with JRING_IO_URING_DISABLED=2 fails with one clear sentence
#                (a container cannot set that sysctl; only a VM can)
#           On bookworm (no JDK 25 package) the host's JDK 25 is bound in read-only; on trixie
#           provisioning installs Debian's openjdk-25-jdk-headless.
#
# Environment: JRING_EVIDENCE_DIR (/var/tmp/jring-vm: roots, copies and logs are kept there for
# reruns; delete it when done), JRING_HOST_JDK (/usr/lib/jvm/temurin-25-jdk-amd64),
# JRING_DEBIAN_MIRROR (the one apt uses here), JRING_EVIDENCE_FRESH=1 (debootstrap again).
# Ends with "N passed, N failed" and exits non-zero if anything failed.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${JRING_EVIDENCE_DIR:-/var/tmp/jring-vm}"
HOST_JDK="${JRING_HOST_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}"
FILTER='~io_uring_setup io_uring_enter io_uring_register'
PORT=7000   # inside the container's own network namespace, so it collides with nothing here

passed=0 failed=0
say() { echo "evidence: $*"; }
die() { echo "evidence: $*" >&2; exit 1; }
ok() { passed=$((passed + 1)); echo "PASS $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { # description, log file, extended regex that must match a line of it
  if grep -Eq -- "$3" "$2"; then ok "$1: $(grep -E -- "$3" "$2" | tail -n1)"; else bad "$1 (no line matching /$3/ in $2)"; fi
}

[[ $EUID -eq 0 ]] || die "run as root (debootstrap, systemd-nspawn)"
steps=() releases=()
for arg in "$@"; do
  case "$arg" in
    validate|nspawn) steps+=("$arg") ;;
    bookworm|trixie) releases+=("$arg") ;;
    *) die "unknown argument '$arg' (validate, nspawn, bookworm, trixie)" ;;
  esac
done
(( ${#steps[@]} )) || steps=(validate nspawn)
(( ${#releases[@]} )) || releases=(bookworm trixie)
mkdir -p "$WORK/logs"

need() { # command package...
  command -v "$1" >/dev/null && return 0
  shift
  say "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; } \
    || die "cannot install $*"
}

# A copy of the project as the Vagrantfile's rsync would give it (no .git, target/, .jring/), so
# builds inside never touch the work tree's target/ directories.
copy_project() { # destination
  mkdir -p "$1"
  (cd "$REPO" && git ls-files -co --exclude-standard -z 2>/dev/null || find . -path ./.git -prune -o -type f -print0) \
    | (cd "$REPO" && rsync -a --from0 --files-from=- --exclude=target/ --exclude=.jring/ . "$1/")
}

validate() {
  need vagrant vagrant vagrant-libvirt
  need rsync rsync
  local dir="$WORK/validate" stub="$WORK/validate-stub" log="$WORK/logs/validate.log"
  rm -rf "$dir"; copy_project "$dir"
  mkdir -p "$stub"
  printf '#!/bin/sh\necho 7.0.20r163906\n' >"$stub/VBoxManage"; chmod +x "$stub/VBoxManage"
  : >"$log"
  local provider env sync
  for provider in libvirt virtualbox; do
    # Validating nfs needs an NFS server here, 9p and virtiofs a running libvirtd: libvirt keeps
    # rsync (set explicitly), VirtualBox tries its shared folders.
    if [[ "$provider" == libvirt ]]; then sync=rsync; else sync=virtualbox; fi
    for env in "" "JRING_VM_CPUS=4 JRING_VM_MEMORY=4096 JRING_VM_SYNC=$sync JRING_VM_LIBVIRT_DRIVER=qemu JRING_VM_CPU_MODEL=qemu64 JRING_VM_BOX=local/debian13 JRING_JEXTRACT=1"; do
      echo "\$ ${env:+$env }VAGRANT_DEFAULT_PROVIDER=$provider vagrant validate" >>"$log"
      if (cd "$dir" && env $env PATH="$stub:$PATH" VAGRANT_DEFAULT_PROVIDER=$provider vagrant validate >>"$log" 2>&1); then
        ok "vagrant validate, $provider${env:+, with $env}"
      else
        bad "vagrant validate, $provider${env:+, with $env} (see $log)"
      fi
    done
  done
  # What each machine resolves to, for the record.
  (cd "$dir" && PATH="$stub:$PATH" VAGRANT_DEFAULT_PROVIDER=libvirt vagrant status --machine-readable 2>/dev/null \
    | awk -F, '$3=="provider-name" {print "  " $2 ": " $4}') >>"$log" || true
  sed 's/^/  /' "$log"
}

mirror() { # the Debian mirror apt uses here
  [[ -n "${JRING_DEBIAN_MIRROR:-}" ]] && { echo "$JRING_DEBIAN_MIRROR"; return; }
  local m
  m="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | grep -E '^(URIs:|deb )' | grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -n1 | tr -d ' ' || true)"
  echo "${m:-http://deb.debian.org/debian}"
}

nspawn() { # root, log, extra nspawn options..., --, command...
  local root="$1" log="$2"; shift 2
  local opts=()
  while [[ "$1" != -- ]]; do opts+=("$1"); shift; done
  shift
  echo "\$ systemd-nspawn ${opts[*]} $*" >>"$log"
  systemd-nspawn -q --register=no --keep-unit --as-pid2 --console=pipe -D "$root" "${opts[@]}" "$@" >>"$log" 2>&1
}

# CAs this machine adds to Debian's (/usr/local/share/ca-certificates, e.g. for a TLS-inspecting
# proxy) go into the root too, or nothing inside can reach Maven Central over https.
trust_host_cas() { # root
  local crt dest changed=0
  for crt in /usr/local/share/ca-certificates/*.crt; do
    [[ -f "$crt" ]] || continue
    dest="$1/usr/local/share/ca-certificates/$(basename "$crt")"
    cmp -s "$crt" "$dest" || { install -D -m 0644 "$crt" "$dest"; changed=1; }
  done
  if (( changed )) && [[ -x "$1/usr/sbin/update-ca-certificates" ]]; then
    nspawn "$1" "$WORK/logs/update-ca-certificates.log" -- update-ca-certificates || true
  fi
}

ECHO_CHECK='cd /vagrant
./jring example echo --port '$PORT' >/tmp/echo.log 2>&1 &
pid=$!
for i in $(seq 1 240); do grep -q "echo listening" /tmp/echo.log && break; kill -0 $pid 2>/dev/null || break; sleep 0.5; done
cat /tmp/echo.log
reply="$(printf "hello jring\n" | nc -N -w 5 127.0.0.1 '$PORT')"
echo "echo reply: $reply"
kill $pid; wait $pid || true'

run_release() {
  local rel="$1"
  local root="$WORK/$rel" src="$WORK/src-$rel" log binds=() expect_jdk
  need debootstrap debootstrap
  need systemd-nspawn systemd-container
  need rsync rsync
  if [[ "${JRING_EVIDENCE_FRESH:-0}" == 1 ]]; then rm -rf "$root"; fi
  if [[ ! -x "$root/usr/bin/apt-get" ]]; then
    say "debootstrap $rel from $(mirror) into $root"
    rm -rf "$root"
    debootstrap --variant=minbase "$rel" "$root" "$(mirror)" >"$WORK/logs/debootstrap-$rel.log" 2>&1 \
      || die "debootstrap $rel failed (see $WORK/logs/debootstrap-$rel.log)"
  fi
  # The VM's user: uid 1000 owns the synced folder, as with vagrant's rsync.
  chroot "$root" getent passwd vagrant >/dev/null || chroot "$root" useradd -m -u 1000 -s /bin/bash vagrant
  rm -rf "$src"; copy_project "$src"; chown -R 1000:1000 "$src"
  trust_host_cas "$root"
  binds=(--bind="$src:/vagrant")
  if [[ "$rel" == bookworm ]]; then
    [[ -x "$HOST_JDK/bin/javac" ]] || die "no JDK 25 at $HOST_JDK for Debian 12 (set JRING_HOST_JDK)"
    binds+=(--bind-ro="$HOST_JDK")
    # If its trust store is a link to /etc/ssl/certs/java/cacerts (Debian's ca-certificates-java,
    # as here), the root gets one when provisioning installs Maven, which depends on that package.
    expect_jdk="$HOST_JDK"
  else
    expect_jdk=/usr/lib/jvm/java-25-openjdk-amd64
  fi
  local p=/vagrant/vagrant/provision.sh

  log="$WORK/logs/$rel-1-provision.log"; : >"$log"
  say "$rel: 1. provision (network on: installs what is missing, builds) -> $log"
  nspawn "$root" "$log" "${binds[@]}" --setenv=JRING_EXPECT_BACKEND=io_uring -- "$p" || true
  check "$rel provision" "$log" '^provision: done in .*backend: io_uring$'
  check "$rel doctor" "$log" '^backend: io_uring$'
  check "$rel JDK" "$log" "^jdk: 25.* \\($expect_jdk\\)$"

  log="$WORK/logs/$rel-2-offline.log"; : >"$log"
  say "$rel: 2. provision again without network -> $log"
  nspawn "$root" "$log" "${binds[@]}" --private-network --setenv=JRING_EXPECT_BACKEND=io_uring -- "$p" || true
  check "$rel offline re-provision" "$log" '^provision: done in .*backend: io_uring$'
  if grep -q 'apt-get\|downloading' "$log"; then bad "$rel offline re-provision touched apt or downloaded"; else ok "$rel offline re-provision installed nothing"; fi

  log="$WORK/logs/$rel-3-eperm.log"; : >"$log"
  say "$rel: 3. provision with io_uring syscalls refused by seccomp -> $log"
  nspawn "$root" "$log" "${binds[@]}" --private-network --system-call-filter="$FILTER" \
    --setenv=JRING_EXPECT_BACKEND=epoll -- "$p" || true
  check "$rel doctor under seccomp" "$log" '^io_uring_setup: failed: EPERM'
  check "$rel fallback" "$log" '^backend: epoll \(reason: io_uring_setup: EPERM'
  check "$rel provision under seccomp" "$log" '^provision: done in .*backend: epoll'

  log="$WORK/logs/$rel-4-echo-uring.log"; : >"$log"
  say "$rel: 4. echo example on io_uring, then with io_uring refused by seccomp -> $log, ${log/uring/epoll}"
  nspawn "$root" "$log" "${binds[@]}" --private-network -- runuser -u vagrant -- bash -c "$ECHO_CHECK" || true
  check "$rel echo on io_uring" "$log" '^echo listening on .* backend=io_uring$'
  check "$rel echo answered on io_uring" "$log" '^echo reply: hello jring$'
  log="${log/uring/epoll}"; : >"$log"
  nspawn "$root" "$log" "${binds[@]}" --private-network --system-call-filter="$FILTER" \
    -- runuser -u vagrant -- bash -c "$ECHO_CHECK" || true
  check "$rel echo on epoll" "$log" '^echo listening on .* backend=epoll \(io_uring_setup: EPERM'
  check "$rel echo answered on epoll" "$log" '^echo reply: hello jring$'

  log="$WORK/logs/$rel-5-disabled.log"; : >"$log"
  say "$rel: 5. provision with JRING_IO_URING_DISABLED=2 (needs a VM) -> $log"
  if nspawn "$root" "$log" "${binds[@]}" --private-network --setenv=JRING_IO_URING_DISABLED=2 -- "$p"; then
    bad "$rel JRING_IO_URING_DISABLED=2 in a container should fail"
  else
    check "$rel sysctl refused clearly" "$log" '^provision: FAILED: '
  fi
}

for step in "${steps[@]}"; do
  case "$step" in
    validate) say "vagrant validate"; validate ;;
    nspawn) for rel in "${releases[@]}"; do run_release "$rel"; done ;;
  esac
done

echo
say "key lines (full logs in $WORK/logs):"
ran=()
[[ " ${steps[*]} " == *" nspawn "* ]] && ran=("${releases[@]}")
for log in "$WORK"/logs/*-[1-5]-*.log; do
  [[ -f "$log" && " ${ran[*]} " == *" $(basename "$log" | cut -d- -f1) "* ]] || continue
  echo "  == $(basename "$log")"
  grep -E '^(kernel|liburing|io_uring_setup|jdk|backend):|^echo (listening|reply)|^provision: (done|FAILED|Maven|JDK|packages|not in|apt-get install)' \
    "$log" | sed 's/^/     /' || true
done
echo "evidence: $passed passed, $failed failed"
(( failed == 0 ))
