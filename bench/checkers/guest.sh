#!/bin/sh
# Runs inside the kernel lab (bench/checkers/run): kad and keepalived's checker process, one after the other, in the
# same boot, with the same configuration and the same live listeners. Prints BENCH lines; detail as "# ..." lines.
#
#   rs_down_reaction   a real server's listener is closed right after it accepted a check (aligned to the check
#                      cycle, the same way for every daemon); time until its destination leaves IPVS (ms, median of
#                      ROUNDS). TCP_CHECK, delay_loop 1, connect_timeout 1, retry 0, so the next check is the first
#                      to fail and the figure is one check period (delay_loop after the accepted check ended) plus
#                      the daemon's own reaction to that failed check. The real server and the stopwatch are one
#                      native program (bench/checkers/host/reaction.c): it closes its listener, sees the failing
#                      check's SYN on lo, and polls IPVS through generic netlink every 1 ms, all on one monotonic
#                      clock. Detail lines: the check period and "failed check -> destination gone" medians, and
#                      PHASED rounds closing the listener 100-900 ms after a check (the same offsets for both).
#                      Rounds start once the daemon is quiet after its start (see react()).
#   checker_cpu_1000   1,000 real servers with TCP_CHECK, delay_loop 1, against a live listener: CPU seconds used by
#                      the daemon (kad: the whole process; keepalived: its checker child) over WINDOW seconds after a
#                      warm-up, in ms of CPU per second of wall time; SCALE_PAIRS runs of each daemon, ordered kad,
#                      keepalived, keepalived, kad, ... and summed (detail lines: each run's user/system split and
#                      each adjacent pair's ratio).
#   checker_cpu_per_check  that CPU divided by the connects the daemon made in the windows (the namespace's TCP
#                      ActiveOpens), us per check; the listener's accept count is a detail line.
#   checker_machine_cpu_per_check  the whole guest's busy CPU time over the same windows per connect (us): the daemon,
#                      the listener, and the kernel work of the checks that ran outside the daemon (ksoftirqd, RCU,
#                      timers), which the daemon's own figure does not see.
#   checker_rss_1000   resident set size at the end of the window, the larger of the daemon's runs (MiB).
set -u
rounds=${1:-11}
window=${2:-30}
warmup=${3:-15}
phased=${4:-6}
scale_pairs=${5:-2}
ns=bench # the namespace the daemon runs in
driver=/lab/files/Lvs.LabDriver
hz=100 # USER_HZ: /proc/PID/stat times are in 1/100 s on x86 Linux

now_cs() { awk '{ split($1, t, "."); print t[1] * 100 + t[2] }' /proc/uptime; }
median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# thread_ticks PID: "TID TICKS NAME" per thread (utime + stime; the name is between the parentheses of stat).
thread_ticks() {
  for t in /proc/"$1"/task/*; do
    s=$(cat "$t/stat" 2> /dev/null) || continue
    name=${s#*(}; name=${name%)*}
    set -- ${s##*) }
    echo "${t##*/} $((${12} + ${13})) $name"
  done
}
# field KIND NAME: NAME's values of the reaction rounds of KIND (aligned or phased) in /tmp/rounds, one a line.
field() { awk -v k="$1" -v f="$2" '$1 == "ROUND" && $2 == k { for (i = 4; i <= NF; i++) if (index($i, f "=") == 1) print substr($i, length(f) + 2) }' /tmp/rounds; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "inf"; else printf "%.3f\n", a / b }'; }

ip netns add bench && ip -n bench link set lo up
# Every address of 10.31.0.0/16 is local in the namespace (AnyIP), so one listener serves them all (the 1,000-checker
# runs do the same with 10.30.0.0/16 in namespaces of their own).
ip -n bench route add local 10.31.0.0/16 dev lo
mkdir -p /tmp/www && echo ok > /tmp/www/index.html

# pinned: "taskset -c CPU" when $pin names a CPU (for a process, all its threads and children), else nothing.
pinned() { [ -n "${pin:-}" ] && echo "taskset -c $pin"; }
# start_daemon NAME CONFIG: prints the pid to measure (kad itself; keepalived's checker child).
start_daemon() {
  case "$1" in
    kad)
      ip netns exec "$ns" $(pinned) kad --dont-fork --log-console -f "$2" --status-socket /run/kad-bench.sock > /tmp/kad.log 2>&1 &
      echo $! > /tmp/daemon.pid
      cat /tmp/daemon.pid ;;
    keepalived)
      rm -f /tmp/ka.pid /tmp/ka-chk.pid
      ip netns exec "$ns" $(pinned) keepalived -n -l -C -f "$2" -p /tmp/ka.pid -c /tmp/ka-chk.pid > /tmp/keepalived.log 2>&1 &
      echo $! > /tmp/daemon.pid
      i=0; while [ ! -s /tmp/ka-chk.pid ] && [ "$i" -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
      cat /tmp/ka-chk.pid ;;
  esac
}
stop_daemon() {
  pid=$(cat /tmp/daemon.pid); kill "$pid"
  i=0; while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
  ip netns exec "$ns" ipvsadm -C
}
dests() { ip netns exec "$ns" ipvsadm -Ln | grep -c '^  -> [0-9]'; }
has_dest() { ip netns exec "$ns" ipvsadm -Ln -t "$1" 2>/dev/null | grep -q " $2 "; }

# ---- reaction ------------------------------------------------------------------------------------------------------
cat > /tmp/react.conf <<'CONF'
global_defs {
    router_id bench
}
virtual_server 10.29.0.2 8081 {
    delay_loop 1
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 10.31.0.1 8081 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
    real_server 10.31.0.2 8081 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
}
CONF
react() { # daemon -> median ms
  pid=$(start_daemon "$1" /tmp/react.conf)
  # The daemon's own start (minutes for .NET on a loaded emulated CPU) is not part of the figure, nor is its tail:
  # kad keeps compiling hot code for a while after start (tiered JIT), and a daemon using a whole emulated CPU slows
  # this very measurement. So the rounds begin once the daemon is quiet (under 5 % of a CPU over 2 s; at most 180 s).
  i=0; while ! has_dest 10.29.0.2:8081 10.31.0.1:8081 && [ "$i" -lt 1200 ]; do sleep 0.5; i=$((i + 1)); done
  settle=$(now_cs)
  while :; do
    q0=$(cpu_ticks "$pid"); sleep 2; q1=$(cpu_ticks "$pid")
    [ $((q1 - q0)) -le 10 ] || [ $(( $(now_cs) - settle )) -ge 18000 ] && break
  done
  echo "# $1 quiet $(( ($(now_cs) - settle) / 100 )) s after its first destination (last 2 s: $(( (q1 - q0) * 10 )) ms of CPU)" >&2
  c0=$(cpu_ticks "$pid"); w0=$(now_cs)
  ip netns exec bench /lab/files/reaction 10.29.0.2 8081 10.31.0.2 8081 "$rounds" "$phased" > /tmp/rounds 2>&1
  sed "s/^/# $1 /" /tmp/rounds >&2
  echo "# $1 daemon cpu during the rounds $(( ($(cpu_ticks "$pid") - c0) * 1000 / hz )) ms over $(( ($(now_cs) - w0) * 10 )) ms" >&2
  for kind in aligned phased; do
    for field in interval_ms after_check_ms reaction_ms; do
      echo "# $1 $kind $field median $(field "$kind" "$field" | median) of $(field "$kind" "$field" | wc -l)" >&2
    done
  done
  # kad's own account of each reaction (check result -> IPVS operation), with its timestamps.
  [ "$1" = kad ] && grep -E "Up -> Down|DEL_DEST" /tmp/kad.log | sed 's/^/# kad log: /' | cut -c1-160 >&2
  stop_daemon
  field aligned reaction_ms | median
}
# The other real server needs a live listener too (it stays up throughout).
ip netns exec bench httpd -f -p 10.31.0.1:8081 -h /tmp/www > /dev/null 2>&1 &
steady=$!
kad_react=$(react kad)
ref_react=$(react keepalived)
kill "$steady"
echo "BENCH rs_down_reaction kad=$kad_react ref=$ref_react unit=ms ratio=$(ratio "$kad_react" "$ref_react")"

# ---- 1,000 checkers ------------------------------------------------------------------------------------------------
# With two guest CPUs the daemon runs on CPU 0 and the listener on CPU 1, the same for every run: where the scheduler
# puts them relative to each other (sharing a CPU, a context switch each way per check; apart, a cross-CPU wake-up)
# changes what a check costs, and it can hold for a whole run. With one they share it, the same for both daemons.
# Each daemon runs SCALE_PAIRS times in the order kad, keepalived, keepalived, kad, kad, ... (ABBA), so a drift of the
# emulated CPU's speed over the runs (seen: the same pair 50 % slower four minutes later) weighs on both alike. Each
# run has a fresh namespace with its own listener: the previous run's TIME_WAIT sockets (60,000 after a minute of
# 1,000 checks a second) do not burden the next daemon's connects.
{
  printf 'global_defs {\n    router_id bench\n}\nvirtual_server 10.29.0.1 8080 {\n    delay_loop 1\n    lb_algo rr\n    lb_kind DR\n    protocol TCP\n'
  i=0
  while [ "$i" -lt 1000 ]; do
    printf '    real_server 10.30.%d.%d 8080 {\n        weight 1\n        TCP_CHECK {\n            connect_timeout 1\n        }\n    }\n' $((i / 250)) $((i % 250 + 1))
    i=$((i + 1))
  done
  printf '}\n'
} > /tmp/scale.conf
listener=/lab/files/listener
[ -x "$listener" ] || listener="$driver listen"
if [ "$(nproc)" -ge 2 ]; then daemon_cpu=0; listener_cpu=1; else daemon_cpu=; listener_cpu=; fi

# per_check CPU_TICKS CHECKS: microseconds of CPU per check.
per_check() { awk -v c="$1" -v n="$2" -v hz="$hz" 'BEGIN { printf "%.1f", (n > 0 ? c * 1e6 / hz / n : 0) }'; }
# user_system PID: its user and system CPU ticks. Their sum is exact; the split is not the window's own: the kernel
# scales each task's sampled user/system ticks to its whole runtime since start and keeps both counters from going
# back (kernel/sched/cputime.c, cputime_adjust), so a window's delta of either one can be far off (even 0).
user_system() { awk '{ print $14, $15 }' "/proc/$1/stat"; }
# tcp_stats NS: the namespace's "ActiveOpens AttemptFails ListenOverflows ListenDrops" (/proc/net/snmp and netstat are
# per namespace). ActiveOpens counts the connects the daemon made, whether or not the listener got round to them.
tcp_stats() {
  # Each group ("Tcp:", "TcpExt:", ...) is a line of names, then a line of values.
  ip netns exec "$1" cat /proc/net/snmp /proc/net/netstat | awk '
    !($1 in named) { named[$1] = 1; for (i = 2; i <= NF; i++) name[$1, i] = $i; next }
    { for (i = 2; i <= NF; i++) v[$1 name[$1, i]] = $i }
    END { print v["Tcp:ActiveOpens"] + 0, v["Tcp:AttemptFails"] + 0, v["TcpExt:ListenOverflows"] + 0, v["TcpExt:ListenDrops"] + 0 }'
}
# busy_ticks: CPU ticks the whole guest spent busy (all CPUs, everything but idle and iowait): the daemon, the listener,
# and the kernel work of the checks wherever it ran (ksoftirqd, timers, interrupts).
busy_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
scale() { # daemon run -> "cpu_ticks wall_cs checks rss_kib busy_ticks"
  daemon=$1; index=$2; ns=scale$index
  ip netns add "$ns" && ip -n "$ns" link set lo up && ip -n "$ns" route add local 10.30.0.0/16 dev lo
  rm -f /tmp/accepted
  ip netns exec "$ns" $(pin=$listener_cpu pinned) $listener 8080 /tmp/accepted > /tmp/listener.log 2>&1 &
  listener_pid=$!
  i=0; while [ ! -s /tmp/accepted ] && [ "$i" -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
  pid=$(pin=$daemon_cpu start_daemon "$daemon" /tmp/scale.conf)
  # Started once its first destinations are in IPVS (a daemon that cannot keep up with 1,000 checks never holds all
  # 1,000, so waiting for all of them could take forever); the count is printed before and after the window.
  t_start=$(now_cs)
  while [ "$(dests)" -lt 1 ] && [ $(( $(now_cs) - t_start )) -lt 60000 ]; do sleep 1; done
  echo "# $daemon run $index: $(dests) destinations in IPVS $(( ($(now_cs) - t_start) / 100 )) s after start; warm-up ${warmup} s" >&2
  sleep "$warmup"
  thread_ticks "$pid" > /tmp/threads0
  set -- $(user_system "$pid"); u0=$1; s0=$2
  tcp0=$(tcp_stats "$ns"); a0=$(cat /tmp/accepted); b0=$(busy_ticks); t0=$(now_cs)
  sleep "$window"
  set -- $(user_system "$pid"); user=$(($1 - u0)); system=$(($2 - s0))
  tcp1=$(tcp_stats "$ns"); a1=$(cat /tmp/accepted); b1=$(busy_ticks); t1=$(now_cs); rss=$(rss_kib "$pid")
  thread_ticks "$pid" > /tmp/threads1
  # The checks are the connects the daemon made in the window (ActiveOpens). The listener's accept count is only a
  # cross-check: a listener that falls behind accepts fewer than were made (its queue holds the rest), and dividing
  # by it would charge the daemon for the listener's delay.
  set -- $tcp0 $tcp1
  checks=$(($5 - $1)); attempt_fails=$(($6 - $2)); overflows=$(($7 - $3)); drops=$(($8 - $4))
  cpu=$((user + system))
  echo "# $daemon run $index: cpu $((cpu * 1000 / hz)) ms (user $((user * 1000 / hz)), system $((system * 1000 / hz))) over $(( (t1 - t0) * 10 )) ms, $checks connects made ($(per_check "$cpu" "$checks") us each), $((a1 - a0)) accepted, $attempt_fails failed, listen overflows $overflows, drops $drops, rss ${rss} KiB, $(dests) destinations; whole guest busy $(( (b1 - b0) * 1000 / hz )) ms ($(per_check $((b1 - b0)) "$checks") us per check)" >&2
  # Where the CPU went, per thread, over the window (ms).
  awk -v hz="$hz" 'NR == FNR { was[$1] = $2; next } { ms = ($2 - was[$1]) * 1000 / hz; $1 = ""; $2 = ""; if (ms > 0) print ms, $0 }' \
    /tmp/threads0 /tmp/threads1 | sort -rn | head -5 | sed "s/^/# $daemon thread cpu ms: /" >&2
  if [ "$daemon" = kad ]; then
    echo "# kad: $(grep -c -- '-> Down' /tmp/kad.log) checker transitions to down, $(grep -c -- 'Down -> Up' /tmp/kad.log) back up, $(grep -c 'DEL_DEST' /tmp/kad.log) DEL_DEST" >&2
    grep -- '-> Down' /tmp/kad.log | sed 's/.*TCP_CHECK#0 //' | cut -d';' -f1 | sed 's/[0-9.]*:[0-9]*//g' | sort | uniq -c | sort -rn | head -5 | sed 's/^/# kad down reasons: /' >&2
  fi
  stop_daemon
  kill "$listener_pid"; wait "$listener_pid" 2> /dev/null
  ip netns del "$ns"
  echo "$cpu $((t1 - t0)) $checks $rss $((b1 - b0))"
}
# Sums over a daemon's runs: CPU ticks, wall centiseconds, checks, the largest RSS, whole-guest busy ticks.
kad_sum="0 0 0 0 0"; ref_sum="0 0 0 0 0"
add() { echo "$1 $2" | awk '{ printf "%d %d %d %d %d\n", $1 + $6, $2 + $7, $3 + $8, ($4 > $9 ? $4 : $9), $5 + $10 }'; }
# figures SUM: "cpu_ms_per_s us_per_check rss_mib machine_us_per_check" of a daemon's sums.
figures() { echo "$1" | awk -v hz="$hz" '{ printf "%.1f %.1f %.1f %.1f\n", $1 * 1e5 / hz / $2, ($3 > 0 ? $1 * 1e6 / hz / $3 : 0), $4 / 1024, ($3 > 0 ? $5 * 1e6 / hz / $3 : 0) }'; }
pair=1; n=0
while [ "$pair" -le "$scale_pairs" ]; do
  if [ $((pair % 2)) -eq 1 ]; then first=kad; else first=keepalived; fi
  for daemon in $first $([ "$first" = kad ] && echo keepalived || echo kad); do
    n=$((n + 1)); run=$(scale "$daemon" "$n")
    if [ "$daemon" = kad ]; then kad_run=$run; kad_sum=$(add "$kad_sum" "$run"); else ref_run=$run; ref_sum=$(add "$ref_sum" "$run"); fi
  done
  set -- $kad_run; kad_pc=$(per_check "$1" "$3"); kad_mc=$(per_check "$5" "$3")
  set -- $ref_run; ref_pc=$(per_check "$1" "$3"); ref_mc=$(per_check "$5" "$3")
  echo "# pair $pair (first $first): cpu per check kad $kad_pc us, keepalived $ref_pc us, ratio $(ratio "$kad_pc" "$ref_pc"); whole guest kad $kad_mc us, keepalived $ref_mc us, ratio $(ratio "$kad_mc" "$ref_mc")" >&2
  pair=$((pair + 1))
done
set -- $(figures "$kad_sum"); kad_cpu=$1; kad_per=$2; kad_rss=$3; kad_machine=$4
set -- $(figures "$ref_sum"); ref_cpu=$1; ref_per=$2; ref_rss=$3; ref_machine=$4
echo "BENCH checker_cpu_1000 kad=$kad_cpu ref=$ref_cpu unit=cpu_ms_per_s ratio=$(ratio "$kad_cpu" "$ref_cpu")"
echo "BENCH checker_cpu_per_check kad=$kad_per ref=$ref_per unit=us ratio=$(ratio "$kad_per" "$ref_per")"
echo "BENCH checker_machine_cpu_per_check kad=$kad_machine ref=$ref_machine unit=us ratio=$(ratio "$kad_machine" "$ref_machine")"
echo "BENCH checker_rss_1000 kad=$kad_rss ref=$ref_rss unit=MiB ratio=$(ratio "$kad_rss" "$ref_rss")"
