#!/bin/sh
# Runs inside the kernel lab (tests/lab/kernel-lab): the published kad as an LVS director in its own namespace, with
# real busybox httpd servers and real HTTP clients in namespaces, in NAT and DR mode at once. Prints one
# "CASE <name> PASS|FAIL <why>" line per case (LvsTrafficKernelLabTests turns them into tests), "INFO ..." lines with
# measured times, and "DONE <n> failed".
#
# Topology (all in the guest):
#   dcli 10.40.0.10 ─┐ br0 (10.40.0.0/24)          DR VIP 10.40.0.100 on dir's eth0; web1/web2 hold it on lo with
#   dir  10.40.0.2  ─┤                             arp_ignore=1/arp_announce=2 and answer dcli directly
#   web1 10.40.0.21 ─┤  web2 10.40.0.22 ─┘
#   ncli 10.42.0.10 ── veth ── dir 10.42.0.1       NAT VIP 10.42.0.100 on dir; ncli's default route is dir
#   dir  10.41.0.1  ─┐ br1 (10.41.0.0/24)          web1/web2 reach 10.42.0.0/24 through dir, so NAT replies pass it
#   web1 10.41.0.21 ─┤  web2 10.41.0.22 ─┘
set -u
failed=0
log=/tmp/kad-dir.log

pass() { echo "CASE $1 PASS${2:+ ($2)}"; }
fail() { echo "CASE $1 FAIL $2"; failed=$((failed + 1)); }
# Hundredths of a second since boot (busybox date has no %N).
now_cs() { awk '{ split($1, t, "."); print t[1] * 100 + t[2] }' /proc/uptime; }
table() { ip netns exec dir ipvsadm -Ln; }
# The weight of destination $2 in service $1 ("TCP  10.40.0.100:80"), empty when absent.
weight() { table | awk -v svc="$1" -v dst="$2" '/^[A-Z]/ { in_svc = (index($0, svc " ") == 1) } in_svc && $1 == "->" && $2 == dst { print $4 }'; }
# Waits up to $1 seconds for the command "$2" to succeed; prints the hundredths it took, or returns 1.
wait_cs() {
  limit=$(( $1 * 100 )); start=$(now_cs)
  while :; do
    if sh -c "$2" > /dev/null 2>&1; then echo $(( $(now_cs) - start )); return 0; fi
    [ $(( $(now_cs) - start )) -gt "$limit" ] && return 1
    sleep 0.1
  done
}
# Which real servers answered $2 requests from namespace $1 to URL $3 (sorted, unique, space separated).
answers() {
  i=0; out=
  while [ "$i" -lt "$2" ]; do
    out="$out $(ip netns exec "$1" curl -s -m 3 "$3" || echo none)"
    i=$((i + 1))
  done
  echo "$out" | tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# ---- topology ------------------------------------------------------------------------------------------------------
for br in br0 br1; do ip link add "$br" type bridge && ip link set "$br" type bridge forward_delay 0 && ip link set "$br" up; done
for ns in dir dcli ncli web1 web2; do ip netns add "$ns" && ip -n "$ns" link set lo up; done
plug() { # namespace bridge device address/prefix
  ip link add "v-$1-$2" type veth peer name "$3" netns "$1"
  ip link set "v-$1-$2" master "$2" up
  ip -n "$1" addr add "$4" dev "$3" && ip -n "$1" link set "$3" up
}
plug dir br0 eth0 10.40.0.2/24
plug dcli br0 eth0 10.40.0.10/24
plug dir br1 eth2 10.41.0.1/24
ip link add nc0 netns ncli type veth peer name eth1 netns dir
ip -n ncli addr add 10.42.0.10/24 dev nc0 && ip -n ncli link set nc0 up && ip -n ncli route add default via 10.42.0.1
ip -n dir addr add 10.42.0.1/24 dev eth1 && ip -n dir link set eth1 up
ip -n dir addr add 10.40.0.100/32 dev eth0
ip -n dir addr add 10.42.0.100/32 dev eth1
ip -n dir addr add 10.42.0.101/32 dev eth1
ip netns exec dir sysctl -qw net.ipv4.ip_forward=1
for n in 1 2; do
  plug "web$n" br0 eth0 "10.40.0.2$n/24"
  plug "web$n" br1 eth1 "10.41.0.2$n/24"
  ip -n "web$n" route add 10.42.0.0/24 via 10.41.0.1
  ip -n "web$n" addr add 10.40.0.100/32 dev lo
  ip netns exec "web$n" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
  mkdir -p "/tmp/www$n" && echo "web$n" > "/tmp/www$n/index.html"
done
# httpd "web N port P" in web N's namespace; its pid in /tmp/httpd-N-P.pid.
httpd_start() {
  ip netns exec "web$1" httpd -f -p "$2" -h "/tmp/www$1" > /dev/null 2>&1 &
  echo $! > "/tmp/httpd-$1-$2.pid"
}
httpd_stop() { pid=$(cat "/tmp/httpd-$1-$2.pid"); kill "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done; }
for n in 1 2; do httpd_start "$n" 80; httpd_start "$n" 8080; done

# ---- kad -----------------------------------------------------------------------------------------------------------
# DR: TCP_CHECK; NAT: HTTP_GET with inhibit_on_failure. delay_loop 1, connect_timeout 2, retry 0: a dead listener is
# seen within delay_loop + connect_timeout + retries = 3 s (plus scheduling on this emulated CPU). connect_timeout is
# 2 rather than 1 so that a slow first connection on a loaded emulated CPU does not flap a live server.
cat > /tmp/kad.conf <<'CONF'
global_defs {
    router_id lab
}
virtual_server 10.40.0.100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 10.40.0.21 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 2
            retry 0
        }
    }
    real_server 10.40.0.22 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 2
            retry 0
        }
    }
}
virtual_server 10.42.0.100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    inhibit_on_failure
    real_server 10.41.0.21 8080 {
        weight 1
        HTTP_GET {
            url {
                path /index.html
                status_code 200
            }
            connect_timeout 2
            retry 0
        }
    }
    real_server 10.41.0.22 8080 {
        weight 1
        HTTP_GET {
            url {
                path /index.html
                status_code 200
            }
            connect_timeout 2
            retry 0
        }
    }
}
# Graceful drain (kad_drain_timeout, a kad extension): real servers without checkers; 10.41.0.22 at weight 0 so the
# held connection goes to 10.41.0.21, whose block the drain case deletes (between the markers) before a SIGHUP.
virtual_server 10.42.0.101 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    kad_drain_timeout 120
    # drain-rs-begin
    real_server 10.41.0.21 8081 {
        weight 1
    }
    # drain-rs-end
    real_server 10.41.0.22 8081 {
        weight 0
    }
}
CONF
ip netns exec dir kad --dont-fork --log-console -f /tmp/kad.conf --status-socket /run/kad-dir.sock > "$log" 2>&1 &
kad_pid=$!
DR="TCP  10.40.0.100:80"
NAT="TCP  10.42.0.100:80"
all_in='[ "$(weight "$DR" 10.40.0.21:80)" = 1 ] && [ "$(weight "$DR" 10.40.0.22:80)" = 1 ] && [ "$(weight "$NAT" 10.41.0.21:8080)" = 1 ] && [ "$(weight "$NAT" 10.41.0.22:8080)" = 1 ]'
# The helpers must be visible to the sh -c of wait_cs.
export DR NAT
helpers=$(cat <<'EOF'
table() { ip netns exec dir ipvsadm -Ln; }
weight() { table | awk -v svc="$1" -v dst="$2" '/^[A-Z]/ { in_svc = (index($0, svc " ") == 1) } in_svc && $1 == "->" && $2 == dst { print $4 }'; }
EOF
)

# A .NET start under an emulated CPU on a loaded host can take minutes (233 s seen): wait generously, and stop here if
# kad never gets there (every later case depends on it).
if took=$(wait_cs 480 "$helpers
$all_in"); then
  pass kad_starts_with_all_real_servers "$((took * 10)) ms after start"
else
  fail kad_starts_with_all_real_servers "table never had all four destinations: $(table | tr '\n' '|') log: $(tail -5 "$log" | tr '\n' '|')"
  kill "$kad_pid"
  echo "DONE $failed failed (the other cases did not run)"
  exit 1
fi

check_answers() { # case namespace url expected
  got=$(answers "$2" 6 "$3")
  if [ "$got" = "$4" ]; then pass "$1" "answered by: $got"; else fail "$1" "expected answers from '$4', got '$got'; table: $(table | tr '\n' '|')"; fi
}
check_answers dr_traffic_reaches_every_healthy_server dcli http://10.40.0.100/ "web1 web2"
check_answers nat_traffic_reaches_every_healthy_server ncli http://10.42.0.100/ "web1 web2"

# Bound: delay_loop 1 + connect_timeout 2 + 0 retries = 3 s; slack for the emulated CPU (the figure is printed).
httpd_stop 2 80
if took=$(wait_cs 15 "$helpers
[ -z \"\$(weight \"\$DR\" 10.40.0.22:80)\" ]"); then
  pass dr_listener_stopped_destination_removed "$((took * 10)) ms"
  echo "INFO dr removal took $((took * 10)) ms (bound delay_loop+connect_timeout+retries = 3000 ms)"
else
  fail dr_listener_stopped_destination_removed "10.40.0.22:80 still in IPVS 15 s after its listener died: $(table | tr '\n' '|')"
fi
check_answers dr_traffic_reaches_only_healthy_servers dcli http://10.40.0.100/ "web1"

httpd_stop 2 8080
if took=$(wait_cs 15 "$helpers
[ \"\$(weight \"\$NAT\" 10.41.0.22:8080)\" = 0 ]"); then
  pass nat_listener_stopped_inhibited_to_weight0 "$((took * 10)) ms"
  echo "INFO nat weight 0 took $((took * 10)) ms (bound 3000 ms)"
else
  fail nat_listener_stopped_inhibited_to_weight0 "10.41.0.22:8080 not at weight 0 15 s after its listener died: $(table | tr '\n' '|')"
fi
check_answers nat_traffic_reaches_only_healthy_servers ncli http://10.42.0.100/ "web1"

httpd_start 2 80
httpd_start 2 8080
if took=$(wait_cs 15 "$helpers
$all_in"); then
  pass listeners_restarted_destinations_restored "$((took * 10)) ms"
else
  fail listeners_restarted_destinations_restored "not restored 15 s after the listeners restarted: $(table | tr '\n' '|')"
fi
check_answers dr_traffic_restored_to_every_server dcli http://10.40.0.100/ "web1 web2"
check_answers nat_traffic_restored_to_every_server ncli http://10.42.0.100/ "web1 web2"

# Status shows each real server's connections as the kernel counts them (ActiveConn + InActConn of ipvsadm -Ln). No
# traffic runs now, so counts can only fall (entries expiring): the status figure must lie between a table read
# after it and one before it.
kernel_conns() { table | awk -v svc="$NAT" -v dst="$1" '/^[A-Z]/ { in_svc = (index($0, svc " ") == 1) } in_svc && $1 == "->" && $2 == dst { print $5 + $6 }'; }
status_conns() {
  ip netns exec dir dotnet-kad status --json --socket /run/kad-dir.sock | awk -v ep="\"$1\"" '
    /"address":/ { cur = (index($0, ep) > 0) }
    cur && /"activeConnections":/ { gsub(/[^0-9]/, "", $2); a = $2 }
    cur && /"inactiveConnections":/ { gsub(/[^0-9]/, "", $2); i = $2 }
    END { print a + i }'
}
conns_ok=1; conns_seen=
for rs in 10.41.0.21:8080 10.41.0.22:8080; do
  before=$(kernel_conns "$rs"); shown=$(status_conns "$rs"); after=$(kernel_conns "$rs")
  conns_seen="$conns_seen $rs kernel $before..$after status $shown;"
  { [ -n "$before" ] && [ -n "$shown" ] && [ "$before" -gt 0 ] && [ "$shown" -le "$before" ] && [ "$shown" -ge "$after" ]; } || conns_ok=0
done
if [ "$conns_ok" = 1 ]; then
  pass status_shows_kernel_connection_counts "$conns_seen"
else
  fail status_shows_kernel_connection_counts "$conns_seen table: $(table | tr '\n' '|')"
fi

# Drain: a real server removed from the configuration while a client holds a connection to it stays in IPVS at weight 0
# until that connection ends, then leaves (kad_drain_timeout 120 s is far off: the connection's end must decide).
DRAIN="TCP  10.42.0.101:80"
export DRAIN
helpers="$helpers
active() { table | awk -v svc=\"\$DRAIN\" -v dst=\"\$1\" '/^[A-Z]/ { in_svc = (index(\$0, svc \" \") == 1) } in_svc && \$1 == \"->\" && \$2 == dst { print \$5 }'; }"
# The server echoes with cat (a plain nc -l would see end of input on its /dev/null stdin and close); the client's
# input is a FIFO held open by sleep, so neither side closes until the client is killed.
ip netns exec web1 nc -l -p 8081 -e cat > /dev/null 2>&1 &
drain_server=$!
mkfifo /tmp/drain-hold
sleep 600 > /tmp/drain-hold &
drain_hold=$!
wait_cs 20 "ip netns exec web1 netstat -ltn | grep -q ':8081 '" > /dev/null || sleep 2
ip netns exec ncli nc 10.42.0.101 80 < /tmp/drain-hold > /dev/null 2>&1 &
drain_client=$!
if wait_cs 30 "$helpers
[ \"\$(active 10.41.0.21:8081)\" = 1 ]" > /dev/null; then
  sed -i '/# drain-rs-begin/,/# drain-rs-end/d' /tmp/kad.conf
  kill -HUP "$kad_pid"
  if took=$(wait_cs 30 "$helpers
[ \"\$(weight \"\$DRAIN\" 10.41.0.21:8081)\" = 0 ]"); then
    sleep 3
    if [ "$(weight "$DRAIN" 10.41.0.21:8081)" = 0 ]; then
      pass drain_removed_server_kept_at_weight0_while_connected "weight 0 after $((took * 10)) ms, still present 3 s later"
    else
      fail drain_removed_server_kept_at_weight0_while_connected "left IPVS while its connection was open: $(table | tr '\n' '|')"
    fi
  else
    fail drain_removed_server_kept_at_weight0_while_connected "not at weight 0 30 s after the reload: $(table | tr '\n' '|') log: $(tail -5 "$log" | tr '\n' '|')"
  fi
  kill "$drain_client" 2>/dev/null
  if took=$(wait_cs 30 "$helpers
[ -z \"\$(weight \"\$DRAIN\" 10.41.0.21:8081)\" ]"); then
    pass drain_removed_server_gone_when_connections_end "$((took * 10)) ms after the client closed"
  else
    fail drain_removed_server_gone_when_connections_end "still in IPVS 30 s after its last connection closed: $(table | tr '\n' '|')"
  fi
else
  fail drain_removed_server_kept_at_weight0_while_connected "the held connection never showed in IPVS: $(table | tr '\n' '|')"
  fail drain_removed_server_gone_when_connections_end "not run"
fi
kill "$drain_client" "$drain_hold" "$drain_server" 2>/dev/null
rm -f /tmp/drain-hold

kill "$kad_pid"
if wait_cs 20 "! kill -0 $kad_pid" > /dev/null && ! table | grep -q '10\.4[02]\.0\.10[01]'; then
  pass kad_stopped_removes_its_services
else
  fail kad_stopped_removes_its_services "after SIGTERM: $(table | tr '\n' '|')"
fi

for n in 1 2; do for p in 80 8080; do kill "$(cat "/tmp/httpd-$n-$p.pid")" 2>/dev/null; done; done
if [ "$failed" -gt 0 ]; then echo "--- kad log ---"; tail -40 "$log"; fi
echo "DONE $failed failed"
[ "$failed" -eq 0 ]
