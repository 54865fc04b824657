"""The bcrypt limit of this machine: verifications per second at a given cost, in 1 process and in N processes.

A password-grant request costs one bcrypt verification (checkpw = one hash at the stored cost), so N processes
(N = cores) of back-to-back checkpw calls are the most password grants per second the machine could serve.
Uses pyca/bcrypt (PyPI `bcrypt`, Rust) from bench/.venv. Prints one JSON object.

usage: bench/.venv/bin/python bench/tools/bcrypt_limit.py [COST] [SECONDS] [PROCESSES]
"""
import json
import multiprocessing as mp
import os
import sys
import time

import bcrypt


def worker(args):
    cost, seconds = args
    hashed = bcrypt.hashpw(b"bench-password-123", bcrypt.gensalt(rounds=cost))
    bcrypt.checkpw(b"bench-password-123", hashed)  # warm
    n, t0 = 0, time.perf_counter()
    while True:
        assert bcrypt.checkpw(b"bench-password-123", hashed)
        n += 1
        dt = time.perf_counter() - t0
        if dt >= seconds and n >= 3:
            return n, dt


def main():
    cost = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    procs = int(sys.argv[3]) if len(sys.argv) > 3 else os.cpu_count()
    n1, d1 = worker((cost, seconds))
    with mp.Pool(procs) as pool:
        t0 = time.perf_counter()
        results = pool.map(worker, [(cost, seconds)] * procs)
        wall = time.perf_counter() - t0
    multi = sum(n / d for n, d in results)
    print(json.dumps({
        "implementation": f"pyca/bcrypt {bcrypt.__version__} (PyPI bcrypt, Rust)",
        "cost": cost, "seconds": seconds, "processes": procs,
        "ms_per_verify_1_process": round(1000 * d1 / n1, 2),
        "verifies_per_s_1_process": round(n1 / d1, 1),
        "verifies_per_s_all_processes": round(multi, 1),
        "wall_s": round(wall, 2),
    }))


if __name__ == "__main__":
    main()
