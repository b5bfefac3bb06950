"""Fast mode against exact mode, in distribution (README, "Fidelity: exact and fast").

Each scenario runs over SEEDS seeds in both modes. For every figure compared, the two means must
agree within K standard errors of their difference, sqrt(sd_exact^2/n + sd_fast^2/n) from the
seed-to-seed spread (Welch's statistic; K = 5 leaves a false alarm below 1e-4 per figure for
normal means with ~10 degrees of freedom, and a seed set that passes passes on every rerun, as
runs are deterministic), plus an absolute floor for figures that are exactly 0 in both. A
shifted multinomial or a wrong throttling decision moves a mean by many standard errors: the
per-shard shares of test_fast_mode_shard_shares_differ_detectably move by tens of them.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

import kinesim

ROOT = Path(__file__).resolve().parents[2]
SEEDS = 8
K = 5.0


def _seconds(text: str) -> float:
    total, number = 0.0, ""
    for ch in text:
        if ch.isdigit() or ch == ".":
            number += ch
        else:
            total += float(number) * {"h": 3600, "m": 60, "s": 1}[ch]
            number = ""
    return total


def _scenario(name: str, duration: str) -> dict:
    """A shipped scenario cut to `duration`, with the rate steps after its end dropped; a name
    ending in "+constant" makes its schedule or diurnal arrivals evenly spaced."""
    name, _, variant = name.partition("+")
    d = json.loads((ROOT / "scenarios" / f"{name}.json").read_text())
    d["duration"] = duration
    for p in d["producers"]:
        steps = p.get("rate", {}).get("steps")
        if steps:
            p["rate"]["steps"] = [s for s in steps if _seconds(s["at"]) < _seconds(duration)]
        if variant == "constant":
            p["rate"]["process"] = "constant"
    return d


def _figures(summary: dict) -> dict[str, float]:
    p = summary["producers"][0]
    stream = summary["stream"]
    out = {
        "throttled_fraction": stream["throttled_fraction"],
        "accepted": float(stream["accepted_records"]),
        "accepted_bytes": float(stream["accepted_bytes"]),
        "retried": float(p["counts"]["retried_entries"]),
        "failed": float(p["counts"]["failed_attempts_exhausted"]),
        "put_latency_p50": p["put_latency_ms"]["p50"],
        "put_latency_p99": p["put_latency_ms"]["p99"],
        "cost": summary["cost"]["modes"][0]["per_month"],
        "cost_on_demand": summary["cost"]["modes"][1]["per_month"],
    }
    for shard in summary["shards"]:
        out[f"{shard['shard_id']}.accepted"] = float(shard["accepted_records"])
        out[f"{shard['shard_id']}.throttled"] = float(shard["throttled"])
    for key in p.get("hot_keys", []):
        out[f"key {key['key']}.accepted"] = float(key["accepted"])
    for q in summary["producers"][1:]:
        out[f"{q['name']}.accepted"] = float(q["counts"]["accepted"])
        out[f"{q['name']}.throttled_entries"] = float(q["counts"]["throttled_entries"])
    for q in summary["producers"]:
        if q["type"] == "kpl":  # its aggregation, buffering and retries
            for name in (
                "KinesisRecordsPut",
                "UserRecordsPerKinesisRecord",
                "KinesisRecordBytesMean",
                "BufferingTimeMeanMs",
                "RetriesPerRecord",
                "UserRecordsExpired",
            ):
                out[f"{q['name']}.{name}"] = float(q["details"][name])
    for c in summary.get("consumers", []):
        out[f"{c['name']}.processed"] = float(c["records"]["processed"])
        for q in ("p50", "p99"):
            out[f"{c['name']}.end_to_end_{q}"] = float(c["end_to_end_latency_ms"][q])
    return out


def _stats(values: list[float]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return mean, var


def _runs(doc: dict, fidelity: str) -> list[dict[str, float]]:
    out = []
    for seed in range(1, SEEDS + 1):
        result = kinesim.run(doc, seed=seed, fidelity=fidelity)
        assert result.summary["fidelity"]["requested"] == fidelity
        assert all(p["mode"] == fidelity for p in result.summary["fidelity"]["producers"].values())
        assert result.summary["records"]["conserved"]
        out.append(_figures(result.summary))
    return out


def _compare(
    exact: list[dict], fast: list[dict], floor: float = 1e-9, bias: float = 0.0
) -> list[str]:
    """Figures whose means differ by more than K standard errors (plus `bias`, a relative
    difference the mode is documented to make)."""
    bad = []
    for name in exact[0]:
        me, ve = _stats([r[name] for r in exact])
        mf, vf = _stats([r.get(name, 0.0) for r in fast])
        se = math.sqrt(ve / len(exact) + vf / len(fast))
        tolerance = K * se + floor + (1e-9 + bias) * abs(me)
        if abs(me - mf) > tolerance:
            bad.append(
                f"{name}: exact {me:.6g} ± {math.sqrt(ve):.3g}, fast {mf:.6g} ± "
                f"{math.sqrt(vf):.3g}, |diff| {abs(me - mf):.3g} > {tolerance:.3g}"
            )
    return bad


@pytest.mark.parametrize(
    ("name", "duration"),
    [
        ("steady", "5m"),
        ("hot-key", "5m"),
        ("bursty", "16m"),
        ("diurnal", "10m"),
        ("resharding", "1h"),
        ("on-demand-spike", "2h"),
        ("resharding-with-consumers", "30m"),
        ("fan-out-vs-polling", "20m"),
        ("lambda-poison-pill", "2h"),  # evenly spaced arrivals
        ("resharding+constant", "1h"),  # evenly spaced, through a reshard
        ("kpl-vs-sdk", "10m"),  # KPL aggregation over 50,000 Zipf keys, beside an SDK producer
        ("kpl-overload", "5m"),  # KPL without aggregation, retries and expiry on a hot shard
    ],
)
def test_fast_mode_agrees_with_exact_mode_in_distribution(name: str, duration: str) -> None:
    doc = _scenario(name, duration)
    exact = _runs(doc, "exact")
    fast = _runs(doc, "fast")
    # Latencies are reported at the histogram's resolution (1.6 %): allow one bucket.
    bad = _compare(exact, fast)
    bad = [b for b in bad if not (b.startswith("put_latency") and _within_bucket(b))]
    assert not bad, "\n".join(bad)


def _within_bucket(line: str) -> bool:
    exact = float(line.split("exact ")[1].split(" ")[0])
    fast = float(line.split("fast ")[1].split(" ")[0])
    return abs(exact - fast) <= 0.02 * max(exact, fast)


def test_fast_mode_shard_shares_differ_detectably() -> None:
    # The power of the comparison: moving 1 % of one shard's records to another shard in the fast
    # runs' figures makes the comparison fail.
    doc = _scenario("steady", "5m")
    exact = _runs(doc, "exact")
    fast = _runs(doc, "fast")
    assert not [b for b in _compare(exact, fast) if ".accepted" in b]
    shards = sorted(k for k in fast[0] if k.startswith("shardId") and k.endswith(".accepted"))
    moved = [dict(r) for r in fast]
    for r in moved:
        delta = 0.01 * r[shards[0]]
        r[shards[0]] -= delta
        r[shards[1]] += delta
    assert [b for b in _compare(exact, moved) if b.startswith(shards[0])]


def test_sdk_and_kpl_producers_run_fast_and_agents_fall_back_and_say_why() -> None:
    result = kinesim.run(_scenario("kpl-vs-sdk", "1m"), fidelity="fast")
    assert result.summary["fidelity"]["producers"] == {
        "sdk-app": {"mode": "fast"},
        "kpl-app": {"mode": "fast"},
    }
    doc = _scenario("agent-restart", "1m")
    doc["timeline"] = []  # its restart comes after the first minute
    result = kinesim.run(doc, fidelity="fast")
    modes = result.summary["fidelity"]["producers"]
    assert modes
    assert all(m["mode"] == "exact" for m in modes.values())
    assert all("Kinesis Agent" in m["note"] for m in modes.values())
    assert "fidelity: fast asked;" in str(result)


def test_cli_fidelity_flag_and_bad_values(tmp_path: Path) -> None:
    from kinesim.cli import main

    out = tmp_path / "out"
    assert (
        main(
            [
                "run",
                str(ROOT / "scenarios" / "steady.json"),
                "--out",
                str(out),
                "--fidelity",
                "fast",
                "--quiet",
            ]
        )
        == 0
    )
    summary = json.loads((out / "summary.json").read_text())
    assert summary["fidelity"]["requested"] == "fast"
    bad = dict(_scenario("steady", "1m"), fidelity="quick")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    assert main(["run", str(path), "--fidelity", "slow"]) == 2
    assert main(["validate", str(path)]) == 2


def test_plan_in_fast_mode_finds_the_same_count_as_in_exact_mode() -> None:
    doc = _scenario("steady", "5m")
    answers = {}
    for fidelity in ("exact", "fast"):
        p = kinesim.plan(
            doc,
            ["throttled<=0.1%"],
            modes=["provisioned"],
            seeds=2,
            scheduler="serial",
            fidelity=fidelity,
        )
        answers[fidelity] = p.best["provisioned"]["shards"]
    assert answers["exact"] == answers["fast"]
    with pytest.raises(kinesim.PlanError):
        kinesim.plan(doc, modes=["provisioned"], scheduler="serial", fidelity="quick")


def _one_producer_scenario(name: str, shards: int, producer: dict) -> dict:
    """A 3-minute scenario of `shards` shards and one producer, named "p"."""
    return {
        "name": name,
        "duration": "3m",
        "stream": {"shards": shards},
        "producers": [{"name": "p", **producer}],
    }


def _random_scenario(rng: random.Random, index: int, profile: str = "poisson") -> dict:
    """An SDK scenario drawn at random: shards, load, keys, sizes, batching and retries;
    `profile` "poisson" or "constant" (evenly spaced arrivals)."""
    shards = rng.choice([1, 2, 3, 5, 8])
    keys = rng.choice(
        [
            {"dist": "uniform", "count": rng.choice([1, 7, 300, 20000])},
            {"dist": "zipf", "count": rng.choice([50, 5000]), "s": rng.choice([0.6, 1.0, 1.4])},
            {
                "dist": "hot",
                "hot": [{"key": "hot-1", "share": rng.choice([0.05, 0.3])}],
                "count": 1000,
            },
            {"dist": "random"},
        ]
    )
    size = rng.choice(
        [
            {"dist": "fixed", "bytes": rng.choice([50, 900, 20000])},
            {"dist": "uniform", "min": 10, "max": 3000},
            {"dist": "lognormal", "mean": rng.choice([200, 2000]), "sigma": rng.choice([0.3, 1.0])},
        ]
    )
    load = rng.choice([0.3, 0.8, 1.5])  # of the stream's records/s limit
    producer = {
        "instances": rng.choice([1, 3, 10]),
        "rate": {"profile": profile, "records_per_sec": round(1000 * shards * load)},
        "keys": keys,
        "record_size": size,
        "sdk": {
            "max_batch_records": rng.choice([1, 50, 500]),
            "linger": rng.choice(["5ms", "50ms", "200ms"]),
            "max_in_flight": rng.choice([1, 4, 16]),
            "max_attempts": rng.choice([1, 3, 10]),
        },
    }
    return _one_producer_scenario(f"random-{index}", shards, producer)


def _random_kpl_scenario(rng: random.Random, index: int) -> dict:
    """A KPL scenario drawn at random: shards, load (in bytes, which aggregation makes the limit
    that binds), keys, sizes, aggregation, buffering, rate limit, TTL and failing on throttling."""
    shards = rng.choice([1, 2, 5])
    keys = rng.choice(
        [
            {"dist": "uniform", "count": rng.choice([1, 300, 20000, 200000])},
            {"dist": "zipf", "count": rng.choice([500, 50000]), "s": rng.choice([0.8, 1.2])},
            {"dist": "random"},
        ]
    )
    mean = rng.choice([60, 400, 3000])
    size = rng.choice(
        [{"dist": "fixed", "bytes": mean}, {"dist": "lognormal", "mean": mean, "sigma": 0.6}]
    )
    load = rng.choice([0.3, 0.8, 1.5])  # of the stream's bytes/s limit
    producer = {
        "type": "kpl",
        "instances": rng.choice([1, 3]),
        "rate": {
            "profile": rng.choice(["poisson", "constant"]),
            "records_per_sec": round(1_048_576 * shards * load / mean),
        },
        "keys": keys,
        "record_size": size,
        "kpl": {
            "AggregationEnabled": rng.random() < 0.8,
            "RecordMaxBufferedTime": rng.choice([50, 100, 500]),
            "RateLimit": rng.choice([100, 150]),
            "RecordTtl": rng.choice([2000, 30000]),
            "FailIfThrottled": rng.random() < 0.2,
        },
    }
    return _one_producer_scenario(f"random-kpl-{index}", shards, producer)


RANDOM_CASES = [(i, "poisson") for i in range(6)] + [(i, "constant") for i in range(6, 9)]
RANDOM_KPL_CASES = list(range(6))


@pytest.mark.parametrize(("index", "profile"), RANDOM_CASES)
def test_fast_mode_agrees_with_exact_mode_on_random_scenarios(index: int, profile: str) -> None:
    doc = _random_scenario(random.Random(1100 + index), index, profile)
    exact = _runs(doc, "exact")
    fast = _runs(doc, "fast")
    bad = _compare(exact, fast)
    bad = [b for b in bad if not (b.startswith("put_latency") and _within_bucket(b))]
    assert not bad, json.dumps(doc) + "\n" + "\n".join(bad)


@pytest.mark.parametrize("index", RANDOM_KPL_CASES)
def test_fast_mode_agrees_with_exact_mode_on_random_kpl_scenarios(index: int) -> None:
    # Fast mode's one KPL approximation (README, "Fidelity: exact and fast"): fewer than 1 % of
    # rest records repeat a key of their aggregate, each adding its key (at most 10 bytes here)
    # and 2 bytes, so aggregates, and the Kinesis records and bytes they make, are larger by less
    # than 0.01 x 12 / (record bytes) of their size.
    doc = _random_kpl_scenario(random.Random(2200 + index), index)
    exact = _runs(doc, "exact")
    fast = _runs(doc, "fast")
    size = doc["producers"][0]["record_size"]
    bias = 0.01 * 12 / size.get("bytes", size.get("mean"))
    bad = _compare(exact, fast, bias=bias)
    bad = [b for b in bad if not (b.startswith("put_latency") and _within_bucket(b))]
    assert not bad, json.dumps(doc) + "\n" + "\n".join(bad)
