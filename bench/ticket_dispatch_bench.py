"""Dispatch decisions against 1,000 rules: throughput and per-decision latency.

    uv run python bench/ticket_dispatch_bench.py [--rules 1000] [--tickets 100000] [--seed 7]

Builds a realistic rule set (60 categories, district / street / community prefixes, keyword
refinements, urgency rules, keyword-only guesses, a few catch-alls per region), compiles it
once, then decides 100,000 generated tickets one by one, timing each call with
perf_counter_ns. Prints decisions per second over the whole run, p50 / p99 / p99.9 / max of a
single decision, how long compiling and checking the set took, peak Python memory
(tracemalloc) and the machine (cores, load average before and after). Targets:
>= 20,000 decisions/s and p99 < 1 ms with 1,000 rules.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import resource
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from doorstep.domain.dispatch import Facts, Rule, RuleEngine
from doorstep.domain.dispatch_checks import Known, set_errors, set_warnings

KINDS = ["enquiry", "help", "complaint", "report", "suggestion"]
URGENCIES = ["normal"] * 8 + ["urgent", "danger"]
WORDS = [
    "施工",
    "工地",
    "漏水",
    "停电",
    "路灯",
    "暖气",
    "垃圾",
    "噪音",
    "油烟",
    "占道",
    "违建",
    "欠薪",
    "养老金",
    "医保",
    "物业",
    "电梯",
    "井盖",
    "积水",
    "树木",
    "停车",
]
FILLER = "小区楼下最近一直有问题影响居民正常生活希望有关部门尽快处理谢谢"


def regions(rng: random.Random) -> list[str]:
    districts = [f"1101{d:02d}" for d in range(1, 17)]
    codes = list(districts)
    for district in districts:
        for street in range(1, 31):
            codes.append(f"{district}{street:03d}")
            codes.extend(f"{district}{street:03d}{c:03d}" for c in range(1, 4))
    return codes


def build_rules(
    n: int, rng: random.Random, categories: list[str], region_codes: list[str]
) -> list[Rule]:
    districts = [c for c in region_codes if len(c) == 6]
    streets = [c for c in region_codes if len(c) == 9]
    communities = [c for c in region_codes if len(c) == 12]
    rules: list[Rule] = []
    priorities = rng.sample(range(1, 1_000_000), n)
    for i in range(n):
        roll = rng.random()
        unit = rng.randrange(1, 400)
        if roll < 0.05:  # keyword-only guesses (review)
            rule = Rule(i + 1, 1, priorities[i], unit, keywords=tuple(rng.sample(WORDS, 2)))
        elif roll < 0.08:  # a district's catch-all
            rule = Rule(i + 1, 1, priorities[i], unit, region_prefixes=(rng.choice(districts),))
        else:
            level = rng.random()
            prefix = (
                rng.choice(districts)
                if level < 0.5
                else rng.choice(streets)
                if level < 0.9
                else rng.choice(communities)
            )
            rule = Rule(
                i + 1,
                rng.randrange(1, 5),
                priorities[i],
                unit,
                categories=tuple(rng.sample(categories, rng.choice([1, 1, 1, 2, 3]))),
                region_prefixes=(prefix,),
                kinds=tuple(rng.sample(KINDS, 2)) if rng.random() < 0.2 else (),
                keywords=tuple(rng.sample(WORDS, rng.choice([1, 2])))
                if rng.random() < 0.25
                else (),
                urgencies=("danger",) if rng.random() < 0.05 else (),
                assisting_units=(rng.randrange(400, 500),) if rng.random() < 0.2 else (),
                deadline_profile=rng.choice([None, "help", "complaint", "urgent"]),
            )
        rules.append(rule)
    return rules


def build_tickets(
    n: int, rng: random.Random, categories: list[str], region_codes: list[str]
) -> list[Facts]:
    facts = []
    for _ in range(n):
        words = "".join(rng.sample(WORDS, rng.randrange(0, 3)))
        length = rng.randrange(10, 200)
        description = (FILLER * 6)[: max(0, length - len(words))] + words
        facts.append(
            Facts(
                kind=rng.choice(KINDS),
                category=rng.choice(categories),
                region_code=rng.choice(region_codes),
                description=description,
                urgency=rng.choice(URGENCIES),
            )
        )
    return facts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    load_before = os.getloadavg()
    categories = [f"cat{i:02d}" for i in range(60)]
    region_codes = regions(rng)
    fallbacks = {c: 900 + i for i, c in enumerate(c for c in region_codes if len(c) <= 9)}

    tracemalloc.start()
    rules = build_rules(args.rules, rng, categories, region_codes)
    tickets = build_tickets(args.tickets, rng, categories, region_codes)

    started = time.perf_counter()
    engine = RuleEngine(rules, fallbacks)
    compile_ms = (time.perf_counter() - started) * 1000
    known = Known(
        frozenset(categories),
        frozenset(categories),
        frozenset(range(1, 500)),
        frozenset(region_codes),
    )
    started = time.perf_counter()
    errors = set_errors(rules, known)
    warnings = set_warnings(rules, known)
    check_ms = (time.perf_counter() - started) * 1000

    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()  # it slows every allocation: not while timing

    # warm up, then measure: one timed call per ticket
    for facts in tickets[:2000]:
        engine.decide(facts)
    gc.collect()
    gc.disable()
    timings = [0] * len(tickets)
    bases: Counter[str] = Counter()
    clock = time.perf_counter_ns
    started_ns = clock()
    for i, facts in enumerate(tickets):
        t0 = clock()
        decision = engine.decide(facts)
        timings[i] = clock() - t0
        bases[decision.basis.value] += 1
    total_s = (clock() - started_ns) / 1e9
    gc.enable()

    timings.sort()

    def pct(p: float) -> float:
        return timings[min(len(timings) - 1, int(len(timings) * p))] / 1000  # µs

    load_after = os.getloadavg()
    print(
        f"ticket dispatch benchmark: {args.rules} rules, {args.tickets} tickets (seed {args.seed})"
    )
    print(
        f"  machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average before {load_before[0]:.2f} / {load_before[1]:.2f} / "
        f"{load_before[2]:.2f}, after {load_after[0]:.2f} / {load_after[1]:.2f} / "
        f"{load_after[2]:.2f}"
    )
    print(
        f"  compile rule set: {compile_ms:.1f} ms; check at publish (errors + warnings): "
        f"{check_ms:.0f} ms -> {len(errors)} errors, {len(warnings)} warnings"
    )
    print(f"  decisions/s: {args.tickets / total_s:,.0f} (wall {total_s:.3f} s, timer included)")
    print(
        f"  latency per decision: p50 {pct(0.50):.1f} us, p99 {pct(0.99):.1f} us, "
        f"p99.9 {pct(0.999):.1f} us, max {timings[-1] / 1000:.1f} us, "
        f"mean {statistics.fmean(timings) / 1000:.1f} us"
    )
    print(f"  outcomes: {dict(bases)}")
    print(
        f"  peak Python memory (rules + tickets + engine, tracemalloc): {peak / 1e6:.1f} MB;"
        f" process max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    target = args.tickets / total_s >= 20_000 and pct(0.99) < 1000
    print(f"  target (>= 20,000/s, p99 < 1 ms): {'met' if target else 'NOT met'}")


if __name__ == "__main__":
    main()
