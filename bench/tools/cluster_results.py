"""The raw outputs of one bench/cluster run as JSON, and that JSON as the table in docs/SCALING.md.

usage: python3 bench/tools/cluster_results.py RAW_DIR > OUT.json
       python3 bench/tools/cluster_results.py --render OUT.json docs/SCALING.md

The table replaces what stands between <!-- cluster-bench:start --> and <!-- cluster-bench:end -->. Standard library only.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results import parse_bench, read_kv  # noqa: E402  (the same parser as bench/run's)

SCENARIOS = [
    ("cc_rs256", "client credentials, RS256"),
    ("refresh_rotation", "refresh-token rotation"),
    ("users_me", "protected call GET /api/1.0/users/me"),
    ("introspect", "introspection"),
]


def collect(raw):
    doc = {"meta": read_kv(os.path.join(raw, "meta.env")), "instances": {}}
    for entry in sorted(os.listdir(raw)):
        folder = os.path.join(raw, entry)
        if not (os.path.isdir(folder) and entry.isdigit()):
            continue
        results = {}
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".txt"):
                continue
            path = os.path.join(folder, name)
            parsed = parse_bench(path)
            if parsed is None:
                continue
            m = re.search(r"^INSTANCES_VMHWM_KB (.*)$", open(path).read(), re.M)
            if m:
                parsed["instances_peak_rss_mib"] = [round(int(x) / 1024, 1) for x in m.group(1).split()]
            results[name[:-4]] = parsed
        doc["instances"][entry] = results
    return doc


def fmt(value, digits=0):
    return "—" if value is None else f"{value:,.{digits}f}"


def render(doc):
    counts = sorted(doc["instances"], key=int)
    meta = doc["meta"]
    lines = [
        f"Run `{meta.get('run_id', '?')}` of commit `{meta.get('git_commit', '?')}`, {meta.get('cpus', '?')} cores "
        f"({meta.get('cpu_model', '?')}), PostgreSQL {meta.get('postgres', '?')}, nginx {meta.get('nginx', '?')}; "
        f"`wrk -t{meta.get('threads')} -c{meta.get('connections')}`, {meta.get('warmup')} warm-up, {meta.get('duration')} "
        f"measured, through nginx; the whole run took {meta.get('seconds', '?')} s. Reproduce with `bench/cluster`.",
        "",
        "| scenario | " + " | ".join(f"{n} instance{'s' if n != '1' else ''} req/s (p99 ms)" for n in counts) + " |",
        "|---|" + "---|" * len(counts),
    ]
    for key, title in SCENARIOS:
        cells = []
        for n in counts:
            r = doc["instances"][n].get(key)
            if r is None:
                cells.append("—")
            else:
                flag = "" if r.get("valid") else " **(errors)**"
                cells.append(f"{fmt(r['rps'])} ({fmt(r['p99_ms'], 1)}){flag}")
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    one = doc["instances"].get("1", {})
    direct = [(k, t) for k, t in (("cc_rs256_direct", "client credentials, RS256"), ("users_me_direct", "protected call"))
              if k in one]
    if direct:
        lines += ["", "One instance straight, without nginx in the path (what the proxy hop costs):", "",
                  "| scenario | through nginx req/s | straight to the instance req/s |", "|---|---|---|"]
        for key, title in direct:
            via = one.get(key.replace("_direct", ""), {})
            lines.append(f"| {title} | {fmt(via.get('rps'))} | {fmt(one[key]['rps'])} |")
    rss = [max(r.get("instances_peak_rss_mib") or [0]) for n in counts for r in doc["instances"][n].values()]
    errors = sum((r.get("non2xx") or 0) for n in counts for r in doc["instances"][n].values())
    lines += ["", f"Peak RSS of any instance in any scenario: {fmt(max(rss) if rss else None, 1)} MiB. "
                  f"Non-2xx responses over the whole run: {errors}."]
    return "\n".join(lines)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--render":
        doc = json.load(open(sys.argv[2]))
        path = sys.argv[3]
        text = open(path).read()
        start, end = "<!-- cluster-bench:start -->", "<!-- cluster-bench:end -->"
        if start not in text or end not in text:
            sys.exit(f"{path} has no {start} … {end} markers")
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        open(path, "w").write(f"{head}{start}\n{render(doc)}\n{end}{tail}")
    elif len(sys.argv) == 2:
        print(json.dumps(collect(sys.argv[1]), indent=2))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
