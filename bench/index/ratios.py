"""ratios.py - Vigie's index against every other row of a hambench.py results
file, threads = 1: wall-clock queries/s, queries per CPU-second, and the ratio
of Vigie's figure to each row's, per data set and radius.

Usage: /usr/bin/python3 ratios.py results.jsonl [more.jsonl ...]
"""
import json
import sys

OURS = "vigie index"


def main():
    rows = {}
    for path in sys.argv[1:]:
        for line in open(path):
            if line.startswith("{"):
                r = json.loads(line)
                if "error" not in r and r["threads"] == 1:
                    key = (r["dist"], r["n"], r["radius"], r["label"], json.dumps(r["params"], sort_keys=True))
                    rows[key] = r  # later rows win, as in hambench.py report
    sets = sorted({k[:3] for k in rows})
    for dist, n, radius in sets:
        mine = [r for k, r in rows.items() if k[:3] == (dist, n, radius) and k[3] == OURS]
        if not mine:
            continue
        m = mine[-1]
        mcpu = m["qps_cpu"] or m["qps"]
        print(f"\n{dist} N={n:,} r={radius}: {OURS} {m['qps']:,.0f} q/s wall, {mcpu:,.0f} q/s per CPU-s, "
              f"build {m['build_s']:.2f} s, {m['mem_mb']:.0f} MB, load {m['loadavg']:.1f}\n")
        print("| row | params | recall | q/s wall | q/s per CPU-s | cpu util | load | Vigie ÷ row (wall) | Vigie ÷ row (CPU-s) |")
        print("|---|---|---|---|---|---|---|---|---|")
        for k, r in rows.items():
            if k[:3] != (dist, n, radius) or k[3] == OURS:
                continue
            cpu = r["qps_cpu"] or r["qps"]
            params = ",".join(f"{a}={b}" for a, b in r["params"].items())
            print(f"| {r['label']} | {params} | {r['recall']:.4f} | {r['qps']:,.1f} | {cpu:,.1f} | "
                  f"{r['cpu_util'] or 0:.2f} | {r['loadavg']:.1f} | {m['qps'] / r['qps']:,.1f}× | {mcpu / cpu:,.1f}× |")


if __name__ == "__main__":
    main()
