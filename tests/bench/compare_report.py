"""The table of tests/bench/compare.sh: medians over rounds of what it measured, as ratios of
shadowgate to the alternative, with issue 19's goals met / not met.

Usage: compare_report.py WORK_DIR ROUNDS SECS RATE... (WORK_DIR holds results.jsonl, rss.txt,
summary-*.json, versions.txt, loadavg.txt, as compare.sh writes them).
"""

import json
import os
import platform
import statistics
import sys
from collections import defaultdict

work, rounds, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rates = [float(r) for r in sys.argv[4:]]
rows = [json.loads(line) for line in open(os.path.join(work, "results.jsonl"))]
by = defaultdict(list)  # (kind, target, rate) -> rows, one a round
for r in rows:
    by[(r["kind"], r["target"], r["rate"])].append(r)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def cpu_per_request(kind, target, rate=0.0, what="cpu_s"):
    """Median over rounds of the proxy's CPU time per request, in µs (what: cpu_s, or its part
    user_s or sys_s)."""
    return median(r[what] / r["requests"] * 1e6 if r["requests"] else None for r in by[(kind, target, rate)])


def opened_per_request(kind, target, rate=0.0):
    """Median over rounds of the TCP connections the proxy opened per request: the machine's
    ActiveOpens growth during its run less the direct target's in the same round (the load
    tool's own connections, and whatever else ran on the machine)."""
    direct = {r["round"]: r.get("connections_opened") for r in by[(kind, "direct", rate)]}

    def one(r):
        base = direct.get(r["round"])
        if not r["requests"] or base is None or r.get("connections_opened") is None:
            return None
        return max(r["connections_opened"] - base, 0) / r["requests"]

    return median(one(r) for r in by[(kind, target, rate)])


def throughput(kind, target):
    return median(r["requests"] / r["secs"] if r["secs"] else None for r in by[(kind, target, 0.0)])


def core_use(kind, target):
    """Median share of one core the proxy used during the closed-loop runs."""
    return median(r["cpu_s"] / r["secs"] if r["secs"] else None for r in by[(kind, target, 0.0)])


def added(kind, target, rate, p):
    """Median over rounds of (target − direct) latency percentile p, paired by round, in µs."""
    direct = {r["round"]: r[p] for r in by[(kind, "direct", rate)]}
    return median(r[p] - direct[r["round"]] for r in by[(kind, target, rate)] if r["round"] in direct)


def ratio(a, b):
    """a / b; undefined (nan) unless both are numbers and b > 0 (an added latency can be < 0)."""
    return a / b if b == b and a == a and b > 0 and a >= 0 else float("nan")


def goal(ok):
    return "met" if ok else "NOT met"


out = []


def line(what, ours, theirs, unit_fmt="{:,.1f}", goal_text=""):
    r = ratio(ours, theirs)
    fmt = lambda v: "—" if v != v else unit_fmt.format(v)
    shown = "—" if r != r else f"{r:.2f}"
    out.append(f"  {what:<48}{fmt(ours):>13}{fmt(theirs):>13}{shown:>8}  {goal_text}".rstrip())


def section(title, ours, theirs):
    out.append("")
    out.append(f"{title:<50}{ours:>13}{theirs:>13}{'ratio':>8}  goal")


model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
load = [" ".join(l.split()[:3]) for l in open(os.path.join(work, "loadavg.txt"))]
versions = ", ".join(l.strip() for l in open(os.path.join(work, "versions.txt")) if l.strip())
print(f"machine: {model}, {os.cpu_count()} cores, Linux {platform.release()}; load average before / after: {' / '.join(load)}")
print(f"tools: {versions}")
print(f"{rounds} rounds × {secs:g} s per target and measurement, targets alternating within each round; medians of the rounds")
print("each proxy on one core; engines and load tools on the other; CPU = the proxy's utime + stime per request")

bad = [(k, t, rate, r["errors"], r["requests"]) for (k, t, rate), rs in by.items() for r in rs if r["errors"]]
for k, t, rate, e, n in bad:
    print(f"  warning: {k} {t}{f' at {rate:g}/s' if rate else ''}: {e} errors of {n} requests (latency rows cover the answered ones)")

# HTTP: shadowgate against nginx mirror (the goal) and nginx proxy_pass.
hc, ho = "http-closed", "http-open"
sg_cpu, mirror_cpu, pass_cpu = (cpu_per_request(hc, t) for t in ("shadowgate", "nginx-mirror", "nginx-pass"))
section("HTTP, closed loop (wrk)", "shadowgate", "nginx mirror")
http_ok = ratio(sg_cpu, mirror_cpu) <= 1.0
line("CPU per request (µs)", sg_cpu, mirror_cpu, goal_text=f"≤ 1.00: {goal(http_ok)}")
line("ceiling on one core (requests/s)", throughput(hc, "shadowgate"), throughput(hc, "nginx-mirror"), "{:,.0f}")
line("  share of its core the proxy used (%)", 100 * core_use(hc, "shadowgate"), 100 * core_use(hc, "nginx-mirror"), "{:.0f}",
     "below ~95 %: the load, not the proxy, set the ceiling")
line("CPU per request vs nginx proxy_pass (µs)", sg_cpu, pass_cpu)
line("nginx mirror vs nginx proxy_pass (µs)", mirror_cpu, pass_cpu)
# Where the CPU goes: nginx's mirror connects to the shadow anew for every mirrored request
# (its subrequest is header_only, so the answer's body is never read and the connection cannot
# be kept: kernel time); shadowgate keeps its connections and spends its time in user space
# (parsing, encoding, comparing).
line("  of which user space (µs)", cpu_per_request(hc, "shadowgate", what="user_s"),
     cpu_per_request(hc, "nginx-mirror", what="user_s"))
line("  of which kernel (µs)", cpu_per_request(hc, "shadowgate", what="sys_s"),
     cpu_per_request(hc, "nginx-mirror", what="sys_s"))
line("  TCP connections it opened per request", opened_per_request(hc, "shadowgate"),
     opened_per_request(hc, "nginx-mirror"), "{:.2f}")
section("HTTP, open loop (oha), added latency (µs)", "shadowgate", "nginx mirror")
for rate in rates:
    for p, label in (("p50", "p50"), ("p99", "p99"), ("p999", "p99.9")):
        line(f"added {label} at {rate:,.0f}/s", added(ho, "shadowgate", rate, p), added(ho, "nginx-mirror", rate, p), "{:,.0f}")
    line(f"CPU per request at {rate:,.0f}/s (µs)", cpu_per_request(ho, "shadowgate", rate),
         cpu_per_request(ho, "nginx-mirror", rate))

# MCI: shadowgate against HAProxy mode tcp.
mc, mo = "mci-closed", "mci-open"
on_cpu, off_cpu, ha_cpu = (cpu_per_request(mc, t) for t in ("shadow-on", "shadow-off", "haproxy"))
on_ceiling = throughput(mc, "shadow-on")
section("MCI, closed loop (loadgen 16 × 4)", "shadowgate", "HAProxy")
line("shadow+compare+store: CPU per frame (µs)", on_cpu, ha_cpu, goal_text=f"≤ 2.50: {goal(ratio(on_cpu, ha_cpu) <= 2.5)}")
line("shadow+compare+store: ceiling (frames/s)", on_ceiling, throughput(mc, "haproxy"), "{:,.0f}",
     f"≥ 33,352/s (2× the issue's 16,676/s, another VM): {goal(on_ceiling >= 33352)}")
line("  of which user space (µs)", cpu_per_request(mc, "shadow-on", what="user_s"),
     cpu_per_request(mc, "haproxy", what="user_s"))
line("  of which kernel (µs)", cpu_per_request(mc, "shadow-on", what="sys_s"),
     cpu_per_request(mc, "haproxy", what="sys_s"))
line("no shadow: CPU per frame (µs)", off_cpu, ha_cpu)
line("no shadow: ceiling (frames/s)", throughput(mc, "shadow-off"), throughput(mc, "haproxy"), "{:,.0f}")
line("  share of its core the proxy used, shadow on (%)", 100 * core_use(mc, "shadow-on"), 100 * core_use(mc, "haproxy"), "{:.0f}")
# The same gateway with a shadow engine that speaks MCI: what the shadow costs without the HTTP
# client and JSON (the goals are stated for the HTTP shadow engine above).
mci_cpu = cpu_per_request(mc, "shadow-mci")
line("MCI shadow engine: CPU per frame (µs)", mci_cpu, ha_cpu,
     goal_text=f"(≤ 2.50 with an MCI new engine: {goal(ratio(mci_cpu, ha_cpu) <= 2.5)})")
line("MCI shadow engine: ceiling (frames/s)", throughput(mc, "shadow-mci"), throughput(mc, "haproxy"), "{:,.0f}")
section("MCI, open loop (loadgen), added latency (µs)", "shadowgate", "HAProxy")
for rate in rates:
    for p, label in (("p50", "p50"), ("p99", "p99"), ("p999", "p99.9")):
        line(f"shadow on: added {label} at {rate:,.0f}/s", added(mo, "shadow-on", rate, p), added(mo, "haproxy", rate, p), "{:,.0f}")
    line(f"no shadow: added p99 at {rate:,.0f}/s", added(mo, "shadow-off", rate, "p99"), added(mo, "haproxy", rate, "p99"), "{:,.0f}")
    on_rate, ha_rate = cpu_per_request(mo, "shadow-on", rate), cpu_per_request(mo, "haproxy", rate)
    idle_goal = f"≤ 1.50: {goal(ratio(on_rate, ha_rate) <= 1.5)}" if rate == 1000 else ""
    line(f"shadow on: CPU per frame at {rate:,.0f}/s (µs)", on_rate, ha_rate, goal_text=idle_goal)
    line(f"MCI shadow engine: CPU per frame at {rate:,.0f}/s (µs)", cpu_per_request(mo, "shadow-mci", rate), ha_rate)
section("MCI, shadow on vs off", "shadow on", "shadow off")
for rate in rates:
    on_p99, off_p99 = added(mo, "shadow-on", rate, "p99"), added(mo, "shadow-off", rate, "p99")
    r = ratio(on_p99, off_p99)
    verdict = "undefined (an added p99 ≤ 0)" if r != r else goal(r <= 1.1)
    text = f"≤ 1.10: {verdict}" if rate == 3000 else ""
    line(f"added p99 at {rate:,.0f}/s (µs)", on_p99, off_p99, "{:,.0f}", text)
line("CPU per frame at the ceiling (µs)", on_cpu, off_cpu)
for rate in rates:
    line(f"MCI shadow engine: added p99 at {rate:,.0f}/s (µs)", added(mo, "shadow-mci", rate, "p99"),
         added(mo, "shadow-off", rate, "p99"), "{:,.0f}")

rss = {l.split()[0]: int(l.split()[1]) / 1024 for l in open(os.path.join(work, "rss.txt")) if l.strip()}
section("resident memory at the end (MiB)", "shadowgate", "other")
line("HTTP gateway vs nginx", rss.get("shadowgate-http", float("nan")), rss.get("nginx", float("nan")))
line("MCI shadow on vs HAProxy", rss.get("shadow-on", float("nan")), rss.get("haproxy", float("nan")),
     goal_text=f"≤ 64 MiB after {max(rates):,.0f}/s with mismatches: {goal(rss.get('shadow-on', 1e9) <= 64)}")
line("MCI no shadow vs HAProxy", rss.get("shadow-off", float("nan")), rss.get("haproxy", float("nan")))
line("MCI shadow engine vs HAProxy", rss.get("shadow-mci", float("nan")), rss.get("haproxy", float("nan")))


def mismatch_share(name):
    try:
        summary = json.load(open(os.path.join(work, f"summary-{name}.json")))
    except (OSError, ValueError):
        return "?"
    s = next((x for x in summary.get("strategies", []) if x.get("strategy") == "loan-screening"), {})
    compared = s.get("comparisons") or 0
    if not compared:
        return "?"
    # Skipped shadow calls cost no comparison: CPU per frame is comparable only when few were.
    skipped = s.get("skipped") or 0
    reasons = ", ".join(f"{k} {v:,}" for k, v in (s.get("skipped_by_reason") or {}).items() if v)
    shown = f" ({skipped:,} skipped: {reasons})" if skipped else " (none skipped)"
    return f"{100 * s.get('mismatches', 0) / compared:.1f} % of {compared:,}{shown}"


out.append("")
out.append(f"mismatches stored: HTTP gateway {mismatch_share('http')}, MCI gateway {mismatch_share('on')},"
           f" MCI-shadow gateway {mismatch_share('mci')} comparisons")
print("\n".join(out))
