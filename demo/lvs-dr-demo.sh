#!/bin/sh
# The LVS-DR story, run inside the kernel lab (make demo): two kad directors sharing a VIP by VRRP, two real web
# servers answering the client directly (direct routing), a real server failing, then the master director dying.
# usage: lvs-dr-demo.sh [kad|keepalived]   (keepalived runs the same story with the reference daemon, for comparison)
# The last line is "DEMO PASSED: ..." or "DEMO FAILED: ..."; the exit status says the same.
set -u
DIRECTOR=${1:-${DIRECTOR:-kad}}
case "$DIRECTOR" in kad|keepalived) ;; *) echo "usage: $0 [kad|keepalived]" >&2; exit 2 ;; esac
VIP=10.10.0.100
t0=$(date +%s)

say()  { printf '\n\033[1m== [%3ss] %s\033[0m\n' "$(( $(date +%s) - t0 ))" "$*"; }
run()  { printf '$ %s\n' "$*"; sh -c "$*"; }
logs() { for d in dir1 dir2; do echo "--- $d log (last 15 lines) ---"; tail -15 "/tmp/$d.log" 2>/dev/null; done; }
fail() { logs; printf '\nDEMO FAILED: %s\n' "$*"; exit 1; }
# wait_for SECONDS DESCRIPTION COMMAND: polls COMMAND every 0.2 s; fails the demo with DESCRIPTION after SECONDS.
# The limits are generous: under QEMU without KVM on a busy host everything is many times slower than on metal.
wait_for() {
  secs=$1; what=$2; shift 2
  end=$(( $(date +%s) + secs ))
  until sh -c "$*" > /dev/null 2>&1; do
    [ "$(date +%s)" -lt "$end" ] || fail "$what (waited ${secs}s)"
    sleep 0.2
  done
}

say "Topology: client 10.10.0.10, directors dir1 10.10.0.2 / dir2 10.10.0.3, real servers web1 .21 / web2 .22, VIP $VIP"
ip link add br0 type bridge && ip link set br0 type bridge forward_delay 0 && ip link set br0 up || fail "bridge"
join() { # namespace address
  ip netns add "$1" &&
  ip link add "v-$1" type veth peer name eth0 netns "$1" &&
  ip link set "v-$1" master br0 up &&
  ip -n "$1" link set lo up &&
  ip -n "$1" addr add "$2/24" dev eth0 &&
  ip -n "$1" link set eth0 up || fail "namespace $1"
}
join client 10.10.0.10
join dir1 10.10.0.2
join dir2 10.10.0.3
for w in web1:21 web2:22; do
  name=${w%%:*}
  join "$name" "10.10.0.${w##*:}"
  # Direct routing: the real server owns the VIP on lo but must never answer ARP for it.
  ip -n "$name" addr add "$VIP/32" dev lo
  ip netns exec "$name" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
  mkdir -p "/tmp/$name" && echo "hello from $name" > "/tmp/$name/index.html"
  ip netns exec "$name" httpd -f -p 80 -h "/tmp/$name" &
  echo $! > "/tmp/$name.httpd.pid"
done

conf() { # name state priority
cat <<CONF
global_defs { router_id $1 }
vrrp_instance VI_1 {
    state $2
    interface eth0
    virtual_router_id 51
    priority $3
    advert_int 1
    virtual_ipaddress { $VIP/24 }
}
virtual_server $VIP 80 {
    delay_loop 1
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 10.10.0.21 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 3
        }
    }
    real_server 10.10.0.22 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 3
        }
    }
}
CONF
}
conf dir1 MASTER 150 > /tmp/dir1.conf
conf dir2 BACKUP 100 > /tmp/dir2.conf
echo "dir1: priority 150, dir2: priority 100; one virtual server $VIP:80, rr, DR, TCP_CHECK on both real servers"

say "Start $DIRECTOR on both directors (keepalived's own config format, unchanged)"
for d in dir1 dir2; do
  if [ "$DIRECTOR" = kad ]; then
    printf '$ %s\n' "ip netns exec $d kad --dont-fork --log-console -f /tmp/$d.conf --status-socket /run/kad-$d.sock &"
    ip netns exec "$d" kad --dont-fork --log-console -f "/tmp/$d.conf" --status-socket "/run/kad-$d.sock" > "/tmp/$d.log" 2>&1 &
  else
    printf '$ %s\n' "ip netns exec $d keepalived -n -l -D -f /tmp/$d.conf ... &"
    ip netns exec "$d" keepalived -n -l -D -f "/tmp/$d.conf" -p "/tmp/$d.ka.pid" -r "/tmp/$d.vrrp.pid" -c "/tmp/$d.chk.pid" > "/tmp/$d.log" 2>&1 &
  fi
  # ip netns exec execs the daemon: $! is its pid.
  echo $! > "/tmp/$d.pid"
done

status() { # director: dotnet-kad status against that director's socket (kad only)
  [ "$DIRECTOR" = kad ] || return 0
  wait_for 300 "$1's status socket" "[ -S /run/kad-$1.sock ]"
  # dotnet-kad waits 10 s by default; under emulation on a busy host a first answer can take longer. The story's
  # facts are checked with ip, ipvsadm and curl; a status that gets no answer is shown as such, not a failure.
  asked=$(date +%s)
  if run "dotnet-kad status --socket /run/kad-$1.sock --timeout 120"; then
    echo "(dotnet-kad answered in $(( $(date +%s) - asked ))s)"
  else
    echo "(dotnet-kad got no answer from $1 after $(( $(date +%s) - asked ))s: the guest is starved of CPU)"
  fi
}
in_ipvs() { echo "ip netns exec $1 ipvsadm -Ln | grep -q '$2:80'"; }

wait_for 600 "dir1 holds the VIP" "ip -n dir1 addr show eth0 | grep -q $VIP"
wait_for 180 "both real servers in dir1's IPVS table" "$(in_ipvs dir1 10.10.0.21) && $(in_ipvs dir1 10.10.0.22)"
say "dir1 is master and holds the VIP; both real servers passed their checks"
status dir1
run "ip -n dir1 -br addr show eth0"
run "ip netns exec dir1 ipvsadm -Ln"

fetch4() { # expected answers: four requests through the VIP, each on a new connection
  answers=$(for i in 1 2 3 4; do ip netns exec client curl -s -m 3 "http://$VIP/" || echo "(no answer)"; done)
  printf '%s\n' "$answers"
  for want in "$@"; do
    printf '%s\n' "$answers" | grep -q "hello from $want" || fail "no answer from $want through the VIP"
  done
  if printf '%s\n' "$answers" | grep -q "no answer"; then fail "a request through the VIP got no answer"; fi
}
say "Four requests from the client through the VIP: round robin over web1 and web2, answers straight from them (DR)"
fetch4 web1 web2

say "web2's web server stops: its checker fails and $DIRECTOR removes it from IPVS"
run "kill \$(cat /tmp/web2.httpd.pid)"
wait_for 180 "web2 leaves IPVS on dir1" "! $(in_ipvs dir1 10.10.0.22)"
status dir1
run "ip netns exec dir1 ipvsadm -Ln"
fetch4 web1

say "The master director dies ($DIRECTOR killed with SIGKILL, its link cut): dir2 takes over the VIP"
# keepalived forks a VRRP and a checker child: kill them too, as a power cut would.
parent=$(cat /tmp/dir1.pid)
children=$(for st in /proc/[0-9]*/stat; do awk -v p="$parent" '$4 == p {print $1}' "$st" 2>/dev/null; done)
run "kill -9 $children $parent; ip -n dir1 link set eth0 down"
wait_for 180 "dir2 holds the VIP" "ip -n dir2 addr show eth0 | grep -q $VIP"
# dir2's checkers saw web2 fail too, on their own.
wait_for 180 "web2 leaves IPVS on dir2" "! $(in_ipvs dir2 10.10.0.22)"
status dir2
run "ip netns exec dir2 ipvsadm -Ln"
# The client learns the VIP's new MAC address from dir2's gratuitous ARP.
wait_for 180 "the client reaches the VIP through dir2" "ip netns exec client curl -s -m 2 http://$VIP/"
fetch4 web1

say "dir2's $DIRECTOR stops cleanly (SIGTERM): it releases the VIP and removes its virtual server from IPVS"
run "kill -TERM $(cat /tmp/dir2.pid)"
wait_for 180 "dir2 releases the VIP" "! ip -n dir2 addr show eth0 | grep -q $VIP"
wait_for 180 "dir2 removes its virtual server" "! ip netns exec dir2 ipvsadm -Ln | grep -q '$VIP:80'"
run "ip netns exec dir2 ipvsadm -Ln"

echo
echo "DEMO PASSED: $DIRECTOR kept traffic flowing through a real-server failure and a director failure in $(( $(date +%s) - t0 ))s"
exit 0
