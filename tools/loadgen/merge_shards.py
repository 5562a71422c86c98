#!/usr/bin/python3
"""Merges the JSON summaries of one loadgen run split over processes
(--shard I/N) into one summary of the same shape: counts and rates add up
(the shards ran side by side), durations take the longest, latency
percentiles are recomputed from the merged histograms.

    tools/loadgen/merge_shards.py shard0.json shard1.json ... > all.json

Standard library only."""

import json
import math
import sys

AVERAGED = {"subscribers_per_user"}


def percentile(buckets, count, p, lo, hi):
    """Nearest-rank percentile over (highest value, count) buckets, as
    the loadgen computes it."""
    if count == 0:
        return 0
    rank = min(max(math.ceil(p / 100.0 * count), 1), count)
    seen = 0
    for value, n in buckets:
        seen += n
        if seen >= rank:
            return min(max(value, lo), hi)
    return hi


def merge_results(shards):
    out = {}
    for key in shards[0]["results"]:
        values = [s["results"].get(key) for s in shards]
        first = values[0]
        if isinstance(first, bool) or not isinstance(first, (int, float)):
            out[key] = first
        elif key in AVERAGED:
            out[key] = sum(values) / len(values)
        elif key.endswith("_per_s"):
            out[key] = sum(values)
        elif key.endswith("_s"):
            out[key] = max(values)
        else:
            out[key] = sum(values)
    return out


def merge_latency(shards):
    names = []
    for s in shards:
        for name in s.get("histograms_us", {}):
            if name not in names:
                names.append(name)
    latency, histograms = {}, {}
    for name in names:
        merged = {}
        count, total_mean, lo, hi = 0, 0.0, None, 0
        for s in shards:
            for value, n in s.get("histograms_us", {}).get(name, []):
                merged[value] = merged.get(value, 0) + n
            summary = s.get("latency_ms", {}).get(name)
            if summary and summary["count"]:
                count += summary["count"]
                total_mean += summary["mean"] * summary["count"]
                lo = summary["min"] if lo is None else min(lo, summary["min"])
                hi = max(hi, summary["max"])
        buckets = sorted(merged.items())
        lo_us, hi_us = (lo or 0) * 1000, hi * 1000
        entry = {"count": count, "min": lo or 0, "mean": total_mean / count if count else 0}
        for label, p in (("p50", 50), ("p90", 90), ("p99", 99), ("p999", 99.9)):
            entry[label] = percentile(buckets, count, p, lo_us, hi_us) / 1000.0
        entry["max"] = hi
        latency[name] = entry
        histograms[name] = [[v, n] for v, n in buckets]
    return latency, histograms


def main(paths):
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    shards = []
    for p in paths:
        with open(p) as f:
            shards.append(json.load(f))
    scenarios = {s["scenario"] for s in shards}
    if len(scenarios) != 1:
        print("summaries of different scenarios: %s" % ", ".join(sorted(scenarios)), file=sys.stderr)
        return 2
    first = shards[0]
    errors = {}
    for s in shards:
        for reason, n in s["errors"]["by_reason"].items():
            errors[reason] = errors.get(reason, 0) + n
    latency, histograms = merge_latency(shards)
    client = {}
    for s in shards:
        for k, v in s.get("client", {}).items():
            # The shards ran side by side on one machine: its figures are
            # the same for each, not parts of a whole.
            client[k] = max(client.get(k, 0), v) if k.startswith("machine_") else client.get(k, 0) + v
    merged = {
        "scenario": first["scenario"],
        "target": first["target"],
        "shard": {"index": 0, "count": 1, "merged_from": len(shards)},
        "config": first["config"],
        "results": merge_results(shards),
        "latency_ms": latency,
        "errors": {"total": sum(errors.values()), "by_reason": errors},
        "client": client,
        "histograms_us": histograms,
    }
    json.dump(merged, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
