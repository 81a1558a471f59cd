"""How the benchmark measures: wall time, medians, alternating calls, and the peak
resident memory of one step run alone in a fresh process."""

from __future__ import annotations

import multiprocessing as mp
import resource
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import psutil

from . import db

_STARTED = time.perf_counter()


def log(msg: str) -> None:
    """A progress line on stderr, with the seconds since the benchmark started."""
    print(f"… {time.perf_counter() - _STARTED:6.1f} s  {msg}", file=sys.stderr, flush=True)


def ms(seconds: float) -> float:
    return round(seconds * 1000.0, 2)


def mb(nbytes: float) -> float:
    return round(nbytes / 1e6, 1)


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b to two decimals; None when either is missing or b is 0."""
    if a is None or b is None or b == 0:
        return None
    return round(a / b, 2)


def timed(fn: Callable, *args, **kwargs) -> tuple[float, Any]:
    """(seconds, result) of one call."""
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, out


def median_time(fn: Callable[[], Any], repeat: int) -> tuple[float, list[float]]:
    """Median seconds of `repeat` calls, and every sample."""
    samples = [timed(fn)[0] for _ in range(repeat)]
    return statistics.median(samples), samples


def alternating(calls: dict[str, Callable[[], Any]], repeat: int) -> dict[str, tuple]:
    """Time each call `repeat` times, round-robin (rotating the order every round), so that
    load from other processes hits every call alike; {name: (median seconds, samples)}."""
    names = list(calls)
    samples: dict[str, list[float]] = {n: [] for n in names}
    for r in range(repeat):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            samples[name].append(timed(calls[name])[0])
    return {n: (statistics.median(v), v) for n, v in samples.items()}


def peak_rss() -> int:
    """High-water resident set of this process (bytes)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _measured(step: Callable[..., Any], kwargs: dict) -> dict:
    """Child-process side: run one step, report its result and this process's peak RSS."""
    db.quiet_progress_bars()
    base = psutil.Process().memory_info().rss
    seconds, result = timed(step, **kwargs)
    return {
        "result": result,
        "seconds": round(seconds, 3),
        "base_rss_mb": mb(base),
        "peak_rss_mb": mb(peak_rss()),
    }


def in_child(step: Callable[..., Any], **kwargs) -> dict:
    """Run `step` (a module-level function) alone in a fresh spawned process, for an honest
    per-step peak RSS: {"result", "seconds", "base_rss_mb", "peak_rss_mb"}."""
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(_measured, step, kwargs).result()


def memory_entry(child: dict) -> dict:
    """The peak-RSS figure of a step run by `in_child`."""
    return {
        "peak_rss_mb": child["peak_rss_mb"],
        "base_rss_mb": child["base_rss_mb"],
        "step_s": child["seconds"],
    }
