#!/bin/sh
# The LVS-DR story, run inside the kernel lab (make demo): two kad directors sharing a VIP by VRRP, two real web
# servers answering the client directly (direct routing), a real server failing, then the master director dying.
set -u
say()  { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run()  { printf '$ %s\n' "$*"; sh -c "$*"; }
fail() { printf '\nDEMO FAILED: %s\n' "$*"; exit 1; }

VIP=10.10.0.100
# DIRECTOR=keepalived runs the same story with the reference daemon, for comparison.
DIRECTOR=${DIRECTOR:-kad}
ip link add br0 type bridge && ip link set br0 type bridge forward_delay 0 && ip link set br0 up
join() { # namespace address
  ip netns add "$1"
  ip link add "v-$1" type veth peer name eth0 netns "$1"
  ip link set "v-$1" master br0 up
  ip -n "$1" link set lo up
  ip -n "$1" addr add "$2/24" dev eth0
  ip -n "$1" link set eth0 up
}

say "Topology: client 10.10.0.10, directors dir1 10.10.0.2 / dir2 10.10.0.3, real servers web1 .21 / web2 .22, VIP $VIP"
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
            connect_timeout 1
        }
    }
    real_server 10.10.0.22 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
CONF
}
conf dir1 MASTER 150 > /tmp/dir1.conf
conf dir2 BACKUP 100 > /tmp/dir2.conf

say "Start $DIRECTOR on both directors (keepalived's own config format, unchanged)"
for d in dir1 dir2; do
  if [ "$DIRECTOR" = kad ]; then
    ip netns exec "$d" kad --dont-fork --log-console -f "/tmp/$d.conf" --status-socket "/run/kad-$d.sock" > "/tmp/$d.log" 2>&1 &
  else
    ip netns exec "$d" keepalived -n -l -D -f "/tmp/$d.conf" -p "/tmp/$d.ka.pid" -r "/tmp/$d.vrrp.pid" -c "/tmp/$d.chk.pid" > "/tmp/$d.log" 2>&1 &
  fi
  echo $! > "/tmp/$d.pid"
done

wait_for() { # seconds description command...
  secs=$1; what=$2; shift 2
  i=0
  while [ "$i" -lt "$((secs * 5))" ]; do
    if sh -c "$*" > /dev/null 2>&1; then return 0; fi
    sleep 0.2; i=$((i + 1))
  done
  echo "--- dir1 log ---"; tail -20 /tmp/dir1.log; echo "--- dir2 log ---"; tail -20 /tmp/dir2.log
  fail "$what (waited ${secs}s)"
}
wait_for 60 "dir1 holds the VIP" "ip -n dir1 addr show eth0 | grep -q $VIP"
status() { [ "$DIRECTOR" = kad ] && run "dotnet-kad status --socket /run/kad-$1.sock"; return 0; }
status dir1
run "ip netns exec dir1 ipvsadm -Ln"

fetch4() { for i in 1 2 3 4; do ip netns exec client curl -s -m 2 "http://$VIP/" || echo "(no answer)"; done; }
say "Four requests from the client through the VIP (round robin over web1 and web2)"
fetch4

say "web2's web server stops: its checker fails and $DIRECTOR removes it from IPVS"
run "kill \$(cat /tmp/web2.httpd.pid)"
wait_for 30 "web2 leaves IPVS on dir1" "! ip netns exec dir1 ipvsadm -Ln | grep -q 10.10.0.22"
run "ip netns exec dir1 ipvsadm -Ln"
fetch4

say "The master director dies ($DIRECTOR killed, its link cut): dir2 takes over the VIP"
# keepalived forks a VRRP and a checker child: kill them too, as a power cut would.
parent=$(cat /tmp/dir1.pid)
children=$(for st in /proc/[0-9]*/stat; do awk -v p="$parent" '$4 == p {print $1}' "$st" 2>/dev/null; done)
kill -9 $children "$parent" 2>/dev/null
ip -n dir1 link set eth0 down
wait_for 30 "dir2 holds the VIP" "ip -n dir2 addr show eth0 | grep -q $VIP"
status dir2
run "ip netns exec dir2 ipvsadm -Ln"
fetch4

say "Done: traffic kept flowing through a real-server failure and a director failure"
kill "$(cat /tmp/dir2.pid)" 2>/dev/null
exit 0
