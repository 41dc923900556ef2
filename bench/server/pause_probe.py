#!/usr/bin/env python3
# Machine pauses during a benchmark phase (as bench/tiering/pause_probe.h): sleeps 1 ms at a
# time until killed and counts the wake-ups later than 30 ms during which /proc/stat counted
# steal time (the host took the CPUs) for at least half the gap. On SIGTERM prints one JSON
# line: {"machine_pauses":N,"longest_ms":X,"steal_ms":S}.
import json, os, signal, sys, time

def steal_ms():
    with open('/proc/stat') as f:
        fields = f.readline().split()
    return int(fields[8]) * 1000.0 / os.sysconf('SC_CLK_TCK')

pauses, longest, start_steal = 0, 0.0, steal_ms()

def report(*_):
    print(json.dumps({"machine_pauses": pauses, "longest_ms": round(longest, 1),
                      "steal_ms": round(steal_ms() - start_steal)}), flush=True)
    sys.exit(0)

signal.signal(signal.SIGTERM, report)
last, last_steal = time.monotonic(), steal_ms()
while True:
    time.sleep(0.001)
    now, now_steal = time.monotonic(), steal_ms()
    gap = (now - last) * 1000
    if gap > 30 and now_steal - last_steal >= gap / 2:
        pauses += 1
        longest = max(longest, gap)
    last, last_steal = now, now_steal
