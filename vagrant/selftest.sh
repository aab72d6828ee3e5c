#!/usr/bin/env bash
# The full `vagrant up` of modern and legacy, offline, under software emulation (no KVM needed),
# from a box built here: slow (minutes per VM), not for CI. Run as root on Debian 12:
#
#   vagrant/selftest.sh            build the box if missing, up modern, check, destroy; same for legacy
#   vagrant/selftest.sh modern     only that machine (or legacy)
#   vagrant/selftest.sh box        only build and add the box
#   vagrant/selftest.sh clean      destroy the VMs, stop libvirtd, delete the namespace and the box
#
# The box (jring/local-bookworm): Debian 12 with the bookworm-backports kernel (6.12, so the
# kernel.io_uring_disabled sysctl exists), liburing 2.3, Maven, gcc, and a JDK 25 copied from this
# machine, plus the vagrant user's Maven repository, so provisioning finds everything installed
# and works with no network: the "prepared image" case of provision.sh. The kernel boots directly
# (libvirt kernel/initrd, set by the box's own Vagrantfile) from an ext4 image with no bootloader.
# The root comes from vagrant/evidence.sh's Debian 12 root (run `evidence.sh nspawn bookworm`
# first). libvirtd, its 192.168.121.0/24 network and vagrant all run inside a network namespace
# made here, so the VMs reach nothing outside it. Each VM: ./jring doctor, then the echo example
# answered through nc; then it is destroyed. One VM at a time, with one vCPU (JRING_VM_CPUS=1 by
# default here): with two emulated vCPUs the JVM crashed now and then (SIGSEGV, SIGILL in freshly
# JIT-compiled code; qemu's multi-threaded TCG and the JVM patching its own code), never with one.
#
# Environment: JRING_EVIDENCE_DIR (/var/tmp/jring-vm), JRING_HOST_JDK, JRING_SELFTEST_NS (jringvm).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${JRING_EVIDENCE_DIR:-/var/tmp/jring-vm}"
HOST_JDK="${JRING_HOST_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}"
NS="${JRING_SELFTEST_NS:-jringvm}"
BOX=jring/local-bookworm
BOXDIR="$WORK/box"
SRC_ROOT="$WORK/bookworm"
PROJECT="$WORK/selftest-project"
export VAGRANT_HOME="$WORK/vagrant.d"   # boxes and plugins data stay under $WORK

passed=0 failed=0
say() { echo "selftest: $*"; }
die() { echo "selftest: $*" >&2; exit 1; }
ok() { passed=$((passed + 1)); echo "PASS $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
in_ns() { ip netns exec "$NS" "$@"; }

[[ $EUID -eq 0 ]] || die "run as root"
mkdir -p "$WORK"
cd "$WORK"   # vagrant box commands run here, so no .vagrant/ appears in the work tree

need_packages() {
  local missing=() p
  for p in vagrant vagrant-libvirt libvirt-daemon-system libvirt-daemon-driver-qemu qemu-system-x86 qemu-utils \
           dnsmasq-base iptables e2fsprogs systemd-container rsync; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if (( ${#missing[@]} )); then
    say "installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

build_box() {
  if VAGRANT_DEFAULT_PROVIDER=libvirt vagrant box list 2>/dev/null | grep -q "^$BOX "; then say "box $BOX already added"; return; fi
  [[ -x "$SRC_ROOT/usr/bin/mvn" && -d "$SRC_ROOT/home/vagrant/.m2/repository" ]] \
    || die "no provisioned Debian 12 root at $SRC_ROOT: run vagrant/evidence.sh nspawn bookworm first"
  [[ -x "$HOST_JDK/bin/javac" ]] || die "no JDK 25 at $HOST_JDK (set JRING_HOST_JDK)"
  local root="$BOXDIR/root" log="$WORK/logs/selftest-box.log"
  mkdir -p "$BOXDIR" "$WORK/logs"; : >"$log"
  say "box root from $SRC_ROOT (log: $log)"
  rm -rf "$root"; cp -a "$SRC_ROOT" "$root"
  mkdir -p "$root/usr/lib/jvm"; cp -a "$HOST_JDK" "$root/usr/lib/jvm/"
  echo "deb http://deb.debian.org/debian bookworm-backports main" >"$root/etc/apt/sources.list.d/backports.list"
  # What a Vagrant box needs that a debootstrap root lacks: init, a kernel, sshd, sudo, rsync, DHCP.
  systemd-nspawn -q --register=no --keep-unit --as-pid2 --console=pipe -D "$root" bash -c '
    set -e
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends systemd systemd-sysv udev dbus openssh-server sudo rsync \
      iproute2 procps kmod initramfs-tools zstd
    apt-get install -y -qq --no-install-recommends -t bookworm-backports linux-image-amd64
    apt-get clean
  ' >>"$log" 2>&1 || die "installing the box's packages failed (see $log)"
  install -d -m 0700 -o 1000 -g 1000 "$root/home/vagrant/.ssh"
  local pub
  pub="$(ls /usr/share/rubygems-integration/all/gems/vagrant-*/keys/vagrant.pub 2>/dev/null | head -n1)"
  [[ -f "$pub" ]] || die "Vagrant's insecure public key (keys/vagrant.pub) not found"
  install -m 0600 -o 1000 -g 1000 "$pub" "$root/home/vagrant/.ssh/authorized_keys"
  echo 'vagrant ALL=(ALL) NOPASSWD:ALL' >"$root/etc/sudoers.d/vagrant"; chmod 0440 "$root/etc/sudoers.d/vagrant"
  printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n' >"$root/etc/systemd/network/80-dhcp.network"
  ln -sf /lib/systemd/system/systemd-networkd.service "$root/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
  echo '/dev/vda / ext4 defaults 0 1' >"$root/etc/fstab"
  echo jring-box >"$root/etc/hostname"
  : >"$root/etc/machine-id"            # empty: each VM makes its own (else they share DHCP leases)
  rm -f "$root/var/lib/dbus/machine-id"
  echo 'UseDNS no' >"$root/etc/ssh/sshd_config.d/vagrant.conf"
  local kver
  kver="$(ls "$root/lib/modules" | sort -V | tail -n1)"
  cp "$root/boot/vmlinuz-$kver" "$BOXDIR/vmlinuz"; cp "$root/boot/initrd.img-$kver" "$BOXDIR/initrd.img"
  say "box kernel $kver"
  say "ext4 image and box"
  rm -f "$BOXDIR/root.raw"
  truncate -s 12G "$BOXDIR/root.raw"
  mkfs.ext4 -q -d "$root" -L root "$BOXDIR/root.raw"
  qemu-img convert -O qcow2 "$BOXDIR/root.raw" "$BOXDIR/box.img"
  rm -f "$BOXDIR/root.raw"
  echo '{"provider": "libvirt", "format": "qcow2", "virtual_size": 12}' >"$BOXDIR/metadata.json"
  cat >"$BOXDIR/Vagrantfile" <<'EOF'
# The box's own Vagrantfile: boot the kernel directly, the disk is one ext4 file system.
Vagrant.configure("2") do |config|
  config.vm.provider :libvirt do |lv|
    dir = File.dirname(__FILE__)
    lv.kernel = File.join(dir, "vmlinuz")
    lv.initrd = File.join(dir, "initrd.img")
    lv.cmd_line = "root=/dev/vda rw console=ttyS0 net.ifnames=0"
  end
end
EOF
  (cd "$BOXDIR" && tar -cf "$WORK/jring-local-bookworm.box" metadata.json Vagrantfile box.img vmlinuz initrd.img)
  rm -rf "$root" "$BOXDIR/box.img"
  VAGRANT_DEFAULT_PROVIDER=libvirt vagrant box add --name "$BOX" "$WORK/jring-local-bookworm.box" >>"$log" 2>&1 \
    || die "vagrant box add failed (see $log)"
  rm -f "$WORK/jring-local-bookworm.box"
  say "box $BOX added"
}

start_libvirt() {
  ip netns list | grep -qw "$NS" || ip netns add "$NS"
  in_ns ip link set lo up
  # qemu runs as root here so it can read the kernel in the box directory.
  grep -q '^user = "root"' /etc/libvirt/qemu.conf || printf 'user = "root"\ngroup = "root"\n' >>/etc/libvirt/qemu.conf
  if ! virsh -c qemu:///system version >/dev/null 2>&1; then
    say "starting virtlogd and libvirtd in network namespace $NS"
    in_ns virtlogd -d
    in_ns libvirtd -d
    for _ in $(seq 1 30); do virsh -c qemu:///system version >/dev/null 2>&1 && break; sleep 1; done
  fi
  virsh -c qemu:///system pool-info default >/dev/null 2>&1 || {
    virsh -c qemu:///system pool-define-as default dir --target /var/lib/libvirt/images >/dev/null
    virsh -c qemu:///system pool-autostart default >/dev/null
    virsh -c qemu:///system pool-start default >/dev/null
  }
}

ECHO='cd /vagrant && (./jring example echo --port 7000 >/tmp/echo.log 2>&1 &) ;
for i in $(seq 1 240); do grep -q "echo listening" /tmp/echo.log && break; sleep 0.5; done; cat /tmp/echo.log;
echo "echo reply: $(printf "hello jring\n" | nc -N -w 10 127.0.0.1 7000)"; pkill -f EchoServer || true'

up_and_check() { # machine expected-backend-regex
  local m="$1" want="$2" log="$WORK/logs/selftest-$1.log" start=$SECONDS
  : >"$log"
  say "vagrant up $m (emulated; log: $log)"
  if (cd "$PROJECT" && in_ns env JRING_VM_BOX="$BOX" JRING_VM_LIBVIRT_DRIVER=qemu JRING_VM_CPU_MODEL=qemu64 \
      JRING_VM_CPUS="${JRING_VM_CPUS:-1}" JRING_VM_MEMORY="${JRING_VM_MEMORY:-2048}" \
      vagrant up "$m" --provider=libvirt) >>"$log" 2>&1; then
    ok "vagrant up $m with provisioning, $((SECONDS - start)) s"
  else
    bad "vagrant up $m (see $log)"
  fi
  grep -E "provision: (done|FAILED)|^ *$m: (kernel|liburing|io_uring_setup|backend|jdk|loop):" "$log" | sed 's/^/  /' || true
  (cd "$PROJECT" && in_ns env JRING_VM_BOX="$BOX" vagrant ssh "$m" -c 'uname -r; cat /proc/sys/kernel/io_uring_disabled; cd /vagrant && ./jring doctor' ) >"$log.doctor" 2>&1 || true
  sed 's/^/  doctor> /' "$log.doctor"
  if grep -Eq "^backend: $want" "$log.doctor"; then ok "$m doctor: $(grep '^backend:' "$log.doctor")"; else bad "$m doctor backend (want $want)"; fi
  (cd "$PROJECT" && in_ns env JRING_VM_BOX="$BOX" vagrant ssh "$m" -c "$ECHO") >"$log.echo" 2>&1 || true
  sed 's/^/  echo> /' "$log.echo"
  if grep -q '^echo reply: hello jring' "$log.echo"; then ok "$m echo answered"; else bad "$m echo (see $log.echo)"; fi
  if [[ "$m" == legacy ]]; then # the sysctl must survive a reboot (/etc/sysctl.d), with no provisioning
    (cd "$PROJECT" && in_ns env JRING_VM_BOX="$BOX" JRING_VM_LIBVIRT_DRIVER=qemu JRING_VM_CPU_MODEL=qemu64 \
      JRING_VM_CPUS="${JRING_VM_CPUS:-1}" vagrant reload "$m" --no-provision) >>"$log" 2>&1 || true
    (cd "$PROJECT" && in_ns env JRING_VM_BOX="$BOX" vagrant ssh "$m" -c 'echo "after reboot: kernel.io_uring_disabled=$(cat /proc/sys/kernel/io_uring_disabled)"') >"$log.reboot" 2>&1 || true
    sed 's/^/  reboot> /' "$log.reboot"
    if grep -q '^after reboot: kernel.io_uring_disabled=2' "$log.reboot"; then ok "$m sysctl persisted across a reboot"; else bad "$m sysctl after reboot (see $log.reboot)"; fi
  fi
  (cd "$PROJECT" && in_ns env JRING_VM_BOX="$BOX" vagrant destroy -f "$m") >>"$log" 2>&1 || true
}

clean() {
  if [[ -d "$PROJECT" ]]; then (cd "$PROJECT" && in_ns env JRING_VM_BOX="$BOX" vagrant destroy -f) >/dev/null 2>&1 || true; fi
  VAGRANT_DEFAULT_PROVIDER=libvirt vagrant box remove -f "$BOX" >/dev/null 2>&1 || true
  { virsh -c qemu:///system vol-list default 2>/dev/null || true; } | awk '/jring/ {print $1}' \
    | while read -r v; do virsh -c qemu:///system vol-delete --pool default "$v" >/dev/null || true; done
  for pidfile in /run/libvirtd.pid /run/virtlogd.pid; do
    [[ -f "$pidfile" ]] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  ip netns list | grep -qw "$NS" && ip netns delete "$NS" || true
  rm -rf "$BOXDIR" "$PROJECT" "$VAGRANT_HOME"
  say "cleaned"
}

machines=()
case "${1:-all}" in
  box) need_packages; build_box; exit 0 ;;
  clean) clean; exit 0 ;;
  all) machines=(modern legacy) ;;
  modern|legacy) machines=("$@") ;;
  *) die "usage: selftest.sh [box|clean|modern|legacy...]" ;;
esac

need_packages
build_box
start_libvirt
rm -rf "$PROJECT"; mkdir -p "$PROJECT"
(cd "$REPO" && git ls-files -co --exclude-standard -z | rsync -a --from0 --files-from=- --exclude=target/ --exclude=.jring/ . "$PROJECT/")
for m in "${machines[@]}"; do
  case "$m" in
    modern) up_and_check modern 'io_uring$' ;;
    legacy) up_and_check legacy 'epoll \(reason: io_uring_setup: EPERM \(kernel.io_uring_disabled=2\)\)' ;;
    *) die "no machine '$m' here (modern, legacy)" ;;
  esac
done
echo "selftest: $passed passed, $failed failed"
(( failed == 0 ))
