#!/bin/sh
# Runs in the kernel-lab guest (KadReloadKernelLabTests): kad with real IPVS, `dotnet-kad plan` before a SIGHUP
# reload, and a reload touching 1 of 100 destinations. It only acts and prints; the fixture judges. Output:
#   BEGIN <name> ... END <name>   a command's output (ipvsadm -Sn, dotnet-kad plan, ...)
#   INFO <text>                   progress
# Topology: real servers are addresses of one busybox httpd in namespace $NS behind a veth; VIPs on lo; NAT.
set -u
NS=kadrl$$
WORK=/tmp/kadrl
RUN=$WORK/run.conf
mkdir -p $WORK /tmp/www
echo hello > /tmp/www/index.html

section() { echo "BEGIN $1"; eval "$2" 2>&1; echo "END $1"; }
info() { echo "INFO $*"; }
# wait_for SECONDS CONDITION: evaluates CONDITION (shell code; functions and variables visible) every 0.2 s
wait_for() {
  deadline=$(( $(date +%s) + $1 ))
  while ! eval "$2" > /dev/null 2>&1; do
    [ "$(date +%s)" -ge "$deadline" ] && { info "timed out waiting for: $2"; return 1; }
    sleep 0.2
  done
}
# The daemon's last reload as status --json shows it ("at" and "applied"), to see a new one land.
# Generous answer timeouts: under QEMU TCG on a busy host a first request can take many seconds (JIT).
ctl() { dotnet-kad "$@" --timeout 240; }
last_reload() { ctl status --json 2>/dev/null | grep -E '"(at|applied)":' | tr -d ' \n'; }
# sighup CONFIG: installs CONFIG as kad's file, sends SIGHUP, waits until a new reload result is reported
sighup() {
  was=$(last_reload)
  cp "$1" $RUN
  kill -HUP $KAD
  wait_for 300 'now=$(last_reload); [ -n "$now" ] && [ "$now" != "$was" ]' && info "reload reported: $now"
}
cleanup() {
  [ -n "${KAD:-}" ] && kill "$KAD" 2>/dev/null && wait "$KAD" 2>/dev/null
  [ -n "${HTTPD:-}" ] && kill "$HTTPD" 2>/dev/null
  ip link del kdd 2>/dev/null
  ip netns del $NS 2>/dev/null
}
trap cleanup EXIT

ip netns add $NS
ip link add kdd type veth peer name kdr
ip link set kdr netns $NS
ip addr add 10.20.0.1/16 dev kdd
ip link set kdd up
ip netns exec $NS ip link set lo up
ip netns exec $NS ip link set kdr up
i=1
while [ $i -le 100 ]; do ip netns exec $NS ip addr add 10.20.1.$i/16 dev kdr; i=$((i + 1)); done
ip netns exec $NS ip route add default via 10.20.0.1
for vip in 10.9.0.1 10.9.0.2 10.9.0.3 10.9.0.5; do ip addr add $vip/32 dev lo; done
ip netns exec $NS busybox httpd -f -p 8080 -h /tmp/www &
HTTPD=$!

rs() { printf '    real_server %s %s {\n        weight %s\n    }\n' "$1" "$2" "$3"; }
vrrp() {
  cat <<CONF
vrrp_instance VI_1 {
    state MASTER
    interface kdd
    virtual_router_id 51
    priority 150
    advert_int 1
    virtual_ipaddress {
        $1
    }
}
CONF
}

# ---- case a: plan, then the SIGHUP reload it predicts -------------------------------------------------------------
{
  printf 'global_defs {\n    router_id kadrl\n}\n'
  vrrp 10.20.9.1/32
  printf 'virtual_server 10.9.0.1 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n'
  rs 10.20.1.1 8080 1; rs 10.20.1.2 8080 1; rs 10.20.1.3 8080 1
  printf '}\nvirtual_server 10.9.0.2 80 {\n    lb_algo wlc\n    lb_kind NAT\n    protocol TCP\n'
  rs 10.20.1.4 8080 2
  printf '}\nvirtual_server fwmark 7 {\n    lb_algo rr\n    lb_kind DR\n'
  rs 10.20.1.8 '' 1
  printf '}\n'
} > $WORK/a.conf
{
  printf 'global_defs {\n    router_id kadrl\n}\n'
  vrrp 10.20.9.2/32
  printf 'virtual_server 10.9.0.1 80 {\n    lb_algo wlc\n    lb_kind NAT\n    protocol TCP\n'
  rs 10.20.1.1 8080 5; rs 10.20.1.2 8080 1; rs 10.20.1.5 8080 1
  printf '}\nvirtual_server 10.9.0.3 80 {\n    lb_algo sh\n    lb_kind NAT\n    protocol TCP\n    persistence_timeout 300\n    persistence_granularity 255.255.255.0\n'
  rs 10.20.1.6 8080 3; rs 10.20.1.7 8080 1
  printf '}\nvirtual_server fwmark 7 {\n    lb_algo rr\n    lb_kind DR\n'
  rs 10.20.1.8 '' 2; rs 10.20.1.9 '' 1
  printf '}\n'
} > $WORK/changed.conf

cp $WORK/a.conf $RUN
kad -n -l -f $RUN -p /run/kad.pid > $WORK/kad.log 2>&1 &
KAD=$!
wait_for 300 'ipvsadm -Ln -t 10.9.0.1:80 | grep -q 10.20.1.3:8080 && ctl status > /dev/null' && info "kad started, pid $KAD"
wait_for 20 'ip -o addr show dev kdd | grep -q 10.20.9.1/32' && info "VI_1 master"
section a_before 'ipvsadm -Sn'
section a_plan "dotnet-kad plan -f $WORK/changed.conf --timeout 240; echo exit=\$?"
section a_plan_json "dotnet-kad plan -f $WORK/changed.conf --json --timeout 240"
sighup $WORK/changed.conf
section a_after 'ipvsadm -Sn'
wait_for 20 'ip -o addr show dev kdd | grep -q 10.20.9.2/32'
section a_addresses 'ip -o addr show dev kdd'
section a_plan_again "dotnet-kad plan -f $WORK/changed.conf --timeout 240; echo exit=\$?"
section a_reload_result 'dotnet-kad reload --timeout 240'

# ---- case b: 100 destinations, one changed by SIGHUP --------------------------------------------------------------
hundred() {
  printf 'global_defs {\n    router_id kadrl\n}\nvirtual_server 10.9.0.5 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n'
  i=1
  while [ $i -le 100 ]; do
    if [ $i -eq 50 ]; then rs 10.20.1.$i 8080 "$1"; else rs 10.20.1.$i 8080 1; fi
    i=$((i + 1))
  done
  printf '}\n'
}
hundred 1 > $WORK/b.conf
hundred 3 > $WORK/b2.conf
sighup $WORK/b.conf
wait_for 120 "[ \$(ipvsadm -Ln -t 10.9.0.5:80 | grep -c 10.20.1.) -eq 100 ]" && info "100 destinations in the kernel"
section b_plan "ctl plan -f $WORK/b2.conf"
# Traffic: 150 short connections spread by rr, then 5 held open (a request whose headers never end; busybox httpd
# waits 60 s for them), so the snapshots around the reload see them ESTABLISHED.
n=0
while [ $n -lt 150 ]; do busybox wget -q -O /dev/null http://10.9.0.5/ 2>/dev/null; n=$((n + 1)); done
for n in 1 2 3 4 5; do
  ((printf 'GET / HTTP/1.0\r\n'; sleep 600) | busybox nc 10.9.0.5 80) > /dev/null 2>&1 < /dev/null &
done
# All 155 connections counted first: a held one arriving after the snapshot would look like a changed idle destination.
wait_for 20 "[ \$(ipvsadm -Ln -t 10.9.0.5:80 --stats | awk '\$1 == \"->\" { n += \$3 } END { print n + 0 }') -ge 155 ]"
wait_for 20 "[ \$(ipvsadm -Ln -t 10.9.0.5:80 | awk '\$1 == \"->\" && \$5 > 0' | wc -l) -ge 5 ]"
section b_before_stats 'ipvsadm -Ln -t 10.9.0.5:80 --stats'
section b_before 'ipvsadm -Ln -t 10.9.0.5:80'
lines=$(wc -l < $WORK/kad.log)
was=$(last_reload)
cp $WORK/b2.conf $RUN
kill -HUP $KAD
# The snapshot right when the kernel shows the change, well inside the held connections' 60 s.
wait_for 60 "ipvsadm -Ln -t 10.9.0.5:80 | grep -q '10.20.1.50:8080 *Masq *3 '"
section b_after_stats 'ipvsadm -Ln -t 10.9.0.5:80 --stats'
section b_after 'ipvsadm -Ln -t 10.9.0.5:80'
wait_for 300 'now=$(last_reload); [ -n "$now" ] && [ "$now" != "$was" ]' && info "reload reported: $now"
section b_log "tail -n +$((lines + 1)) $WORK/kad.log"

kill $KAD
wait $KAD
info "kad exited with $?"
KAD=
section kad_log "cat $WORK/kad.log"
