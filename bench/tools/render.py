"""Renders one bench/run result (bench/results/<run>.json) into docs/PERFORMANCE.md and a PNG chart.

usage: bench/.venv/bin/python bench/tools/render.py RESULT.json docs/PERFORMANCE.md docs/performance.png

The hand-written reading of the numbers lives in bench/analysis.md and is included as it is; its first line
names the run it was written for, and the page warns when that is not the run shown.
"""
import json
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

ORDER = ["cc_rs256", "cc_es256", "password", "refresh_rotation", "users_me", "introspect", "health"]
LABEL = {
    "cc_rs256": "client credentials, RS256",
    "cc_es256": "client credentials, ES256",
    "password": "password grant",
    "refresh_rotation": "refresh-token rotation",
    "users_me": "protected call GET /api/1.0/users/me",
    "introspect": "introspection POST /oauth/introspect",
    "health": "ceiling route GET /health",
}
PEER_NAME = {"glewlwyd": "Glewlwyd 2.7.5 (C)", "dot": "django-oauth-toolkit (gunicorn, 2 workers)",
             "authlib": "Authlib / Flask (gunicorn, 2 workers)"}


def f0(v, nd=0):
    if v is None:
        return "-"
    if isinstance(v, float) and v.is_integer() and nd == 0:
        v = int(v)
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    if isinstance(v, (int, float)):
        if nd == 0 and abs(v) >= 100:
            return f"{v:,.0f}"
        return f"{v:,.{max(nd, 1)}f}"
    return str(v)


def ms(v):
    if v is None:
        return "-"
    return f"{v:.1f}" if v < 100 else f"{v:,.0f}"


def cap(text):
    return text[:1].upper() + text[1:]


def key_of(name):
    return "password" if name.startswith("password") else name


def pc_rows(doc):
    pcs = doc["portcullis"]
    return sorted(pcs.items(), key=lambda kv: ORDER.index(key_of(kv[0])) if key_of(kv[0]) in ORDER else 99)


def load_range(scs):
    vals = []
    for s in scs:
        for k in ("loadavg_before_warmup", "loadavg_before_run"):
            if s.get(k):
                vals.append(float(s[k].split()[0]))
    return (min(vals), max(vals)) if vals else (None, None)


def chart(doc, png):
    cores = doc["run"].get("cpus", 2)
    import results as R
    pcs = doc["portcullis"]
    pw = next((n for n in pcs if n.startswith("password")), None)
    hy, kc = doc["published"]["hydra"], doc["published"]["keycloak"]["per_vcpu"]
    bl, _, bcost = R.best_bcrypt(doc)

    def best(alg, op):
        return R.best_openssl(doc, cores, alg, op)
    groups = [
        ("client credentials RS256", pcs.get("cc_rs256"), "cc", best("rsa2048", "sign_per_s"),
         "RSA-2048 sign", [("Hydra (published, 2 CPUs)", hy["client_credentials_per_s"]),
                           ("Keycloak (published, x2 vCPU)", 2 * kc["client_credentials_per_s"])]),
        ("client credentials ES256", pcs.get("cc_es256"), None, best("ecdsap256", "sign_per_s"),
         "P-256 sign", []),
        (f"password grant (bcrypt {bcost or doc['run'].get('bcrypt_cost')})", pcs.get(pw) if pw else None, "password",
         bl, "bcrypt verify", [("Keycloak (published, x2 vCPU)", 2 * kc["password_logins_per_s"])]),
        ("refresh-token rotation", pcs.get("refresh_rotation"), None,
         (doc["limits"].get("durable_writes") or {}).get("writes_per_s"), "durable 4 KiB writes",
         [("Keycloak (published, x2 vCPU)", 2 * kc["refresh_per_s"])]),
        ("protected call", pcs.get("users_me"), None, doc["limits"].get("ceiling_route_rps"), "ceiling route", []),
        ("introspection", pcs.get("introspect"), None, best("rsa2048", "verify_per_s"), "RSA-2048 verify",
         [("Hydra (published, 2 CPUs)", hy["introspections_per_s"])]),
    ]
    colors = {"Portcullis": "#1f6fb2", "limit": "#9a9a9a", "glewlwyd": "#e08a1e", "dot": "#3a9d4a", "authlib": "#b24a9a",
              "Hydra (published, 2 CPUs)": "#cfe3f7", "Keycloak (published, x2 vCPU)": "#f7d6cf"}
    hatches = {"Hydra (published, 2 CPUs)": "//", "Keycloak (published, x2 vCPU)": "xx"}
    fig, ax = plt.subplots(figsize=(10, 8.2))
    y, ticks, ticklabels, seen = 0.0, [], [], set()
    for title, mine, peer_kind, limit, limit_name, published in groups:
        bars = []
        if mine:
            bars.append(("Portcullis", mine["rps"], "Portcullis", None))
        if peer_kind:
            for peer, scs in doc["peers"].items():
                for name, s in scs.items():
                    if name.startswith(peer_kind) and s.get("rps"):
                        bars.append((PEER_NAME.get(peer, peer).split(" (")[0], s["rps"], peer, None))
        for name, v in published:
            bars.append((name, v, name, hatches.get(name)))
        if limit:
            bars.append((f"limit: {limit_name}", limit, "limit", None))
        top = y
        for label, v, ckey, hatch in bars:
            lg = {"Portcullis": "Portcullis (measured)", "limit": "machine limit (measured)"}.get(ckey, label)
            if ckey in PEER_NAME:
                lg = PEER_NAME[ckey] + " (measured)"
            ax.barh(y, v, height=0.8, color=colors.get(ckey, "#cccccc"), edgecolor="#333333", hatch=hatch,
                    label=None if lg in seen else lg)
            seen.add(lg)
            ax.text(v * 1.05, y, f"{v:,.0f}" + (f"  {label[len('limit: '):]}" if ckey == "limit" else ""), va="center", fontsize=7)
            y += 1
        ticks.append((top + y - 1) / 2)
        ticklabels.append(title)
        y += 0.8
    ax.set_yticks(ticks, ticklabels, fontsize=9)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("requests per second (log scale); 2 cores shared with the load generator")
    prelim = " (PRELIMINARY: machine busy compiling)" if "prelim" in (doc["run"].get("label") or "").lower() else ""
    ax.set_title(f"Portcullis vs peers vs this machine's limits, run {doc['run']['run_id']}{prelim}", fontsize=10)
    ax.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.45, -0.08), ncol=3, frameon=False)
    ax.grid(axis="x", which="both", alpha=0.25)
    fig.tight_layout()
    fig.savefig(png, dpi=110)


def md(doc, png_rel, analysis):
    r = doc["run"]
    cores = r.get("cpus", 2)
    L = []
    w = L.append
    prelim = "prelim" in (r.get("label") or "").lower()
    w("# Performance")
    w("")
    w("<!-- Generated by bench/run (bench/tools/render.py) from bench/results/" + r["run_id"] + ".json; edit "
      "bench/analysis.md or the renderer, not this file. -->")
    w("")
    if prelim:
        w("> **Preliminary numbers, measured while the machine was also compiling and running another engineer's "
          "tests.** Every figure below is distorted by that load (see the load columns); a clean run will be redone "
          "with the same command. " + cap(re.sub(r"^\s*Preliminary:\s*", "", r.get("label") or "")))
        w("")
    pcs = doc["portcullis"]
    w("How fast Portcullis is, next to the servers one would otherwise run and next to what this machine can do at "
      "all, measured side by side in one run. Reproduce with:")
    w("")
    w("```sh")
    w("bench/run            # full run: release build, limits, Portcullis, scaling, peers, profiles; rewrites this page")
    w("bench/run --smoke --bin .build/debug/portcullis   # seconds per scenario; part of scripts/test")
    w("```")
    w("")
    tot = r.get("total_seconds")
    w(f"This page: run `{r['run_id']}` of commit `{r.get('git_commit')}`"
      + (f" (the working tree had {r.get('git_dirty')} uncommitted changes under Sources/ or Package.swift when it was built)"
         if r.get("git_dirty") not in (None, 0, "0") and str(r.get("build", "")).startswith("release") else "")
      + f", {r.get('build')}" + (f" `{r.get('binary')}`" if r.get("build") == "given binary" else "") + (f", release build {r.get('build_seconds')} s" if r.get("build_seconds") is not None else "")
      + (f"; the whole run took {tot // 60} min {tot % 60} s" if isinstance(tot, int) else "")
      + (f", of which {r['measuring_seconds'] // 60} min {r['measuring_seconds'] % 60} s after the build and the peers' set-up beside it"
         if isinstance(r.get("measuring_seconds"), int) else "") + ".")
    w("")
    w("## Machine and method")
    w("")
    w(f"- {cores} vCPU ({r.get('cpu_model')}), {r.get('memory_mib')} MiB RAM, {r.get('os')}, kernel {r.get('kernel')}; "
      f"{r.get('swift')}; SQLite {r.get('sqlite')}; {r.get('openssl')}; {r.get('wrk')}.")
    w(f"- Load: `wrk -t{r.get('threads')} -c{r.get('connections')}`, {r.get('warmup')} warm-up, then a {r.get('duration')} "
      "measured window, the same parameters and the same driver (`bench/peers/common/bench.sh` with "
      "`post_form.lua`) as the peers. wrk runs on the **same 2 cores** as the server, over 127.0.0.1, HTTP/1.1 "
      "keep-alive, no TLS.")
    w(f"- Every Portcullis scenario gets a fresh data folder (new SQLite file in WAL mode with `synchronous=FULL`, new "
      f"keys), provisioned through the CLI (`portcullis migrate`, `client create`, `user create`), a server started by "
      f"PID and stopped after. bcrypt cost of the password-grant user: **{r.get('bcrypt_cost')}**. The user whose "
      f"password grants fill the refresh-token pools and whose token calls `/users/me` was created with cost "
      f"{r.get('pool_user_bcrypt_cost')}, so that setting up those scenarios takes no time; neither scenario hashes a password.")
    if r.get("throttle_per_username_and_address"):
        w(f"- The servers run with `--throttle-per-username` and `--throttle-per-address` raised to "
          f"{f0(r['throttle_per_username_and_address'])}: Portcullis counts a password attempt before its bcrypt and "
          "refunds it on success, so 32 concurrent correct logins of one user would otherwise queue behind the 5 "
          "attempts in flight (the per-username limit is 5 a minute): that would measure the queue, not the grant.")
    w("- Every response is checked by the Lua script: a scenario counts 2xx responses containing the expected text "
      "(`access_token`, `\"active\":true`, the username, `\"ok\"`), 2xx without it, and non-2xx. Where success is "
      "expected both error counts must be 0.")
    w(f"- Refresh-token rotation (`bench/lua/refresh.lua`): each wrk thread holds a pool of {r.get('pool_per_thread')} "
      "refresh tokens issued before the run (separate pools for warm-up and measured run); a request takes one, the "
      "response's successor goes back into the pool, so no token is ever presented twice (a reused one would revoke its grant).")
    w("- Idle server CPU: the server's own CPU time over 3 s right after it answered `/health` and before any load, "
      "in ms per second: what background work (the revocation and key mirrors) costs.")
    w("- Peak RSS is the server's VmHWM (peak resident memory since it started; the server is restarted for every "
      "scenario). For gunicorn peers it is the sum over master and workers.")
    lo, hi = load_range(list(pcs.values()))
    if lo is not None:
        w(f"- How busy the machine was: the 1-minute load average before the Portcullis scenarios ranged from {lo:.1f} "
          f"to {hi:.1f} on {cores} cores; the `other load` column is the CPU (in cores) used by processes other than the "
          "server and wrk during the measured window.")
    w("")
    w("## Goals")
    w("")
    w("| goal | scenario | measured | target | met? | note |")
    w("|---|---|---|---|---|---|")
    for g in doc["goals"]:
        met = "**met**" if g["met"] else ("**missed**" if g["met"] is False else "not measured")
        digits = 2 if g["unit"] == "s" else 0
        w(f"| {g['goal']} | {g['scenario'] or '-'} | {f0(g['measured'], digits)} {g['unit']} | {f0(g['target'])} | {met} | {g['note']} |")
    w("")
    w("## Portcullis")
    w("")
    ratios = {}
    for x in doc["ratios"]:
        if x.get("ratio") is not None:
            ratios.setdefault(x["scenario"], []).append(f"{100 * x['ratio']:.0f}% of {f0(x['limit_per_s'])} ({x['limit']})")
    w("| scenario | req/s | p50 ms | p99 ms | ok | non-2xx | 2xx unexpected | socket errors | peak RSS MiB | server CPU ms/req | "
      "share of its limit | load avg before | other load (cores) | idle server CPU ms/s |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, s in pc_rows(doc):
        share = "; ".join(ratios.get(name, [])) or "-"
        w(f"| {LABEL.get(key_of(name), name)} (`{name}`) | {f0(s['rps'])} | {ms(s['p50_ms'])} | {ms(s['p99_ms'])} | {s['ok']} | "
          f"{s['non2xx']} | {s['two_xx_without_expect']} | {s['socket_errors']} | {f0(s['peak_rss_mib'], 1)} | "
          f"{f0(s.get('server_cpu_ms_per_request'), 2)} | {share} | {(s.get('loadavg_before_run') or '').split(' ')[0]} | "
          f"{f0(s.get('other_load_cores'), 2)} | {f0(s.get('idle_cpu_ms_per_s'))} |")
    w("")
    res = doc.get("resources") or {}
    if res:
        w("## Resource servers (issue 15)")
        w("")
        w("Examples/OrdersAPI behind PortcullisGuard (`guard_orders`: GET /orders, the guard verifies the JWT and "
          "consults its revocation mirror; `guard_plain`: GET /orders/plain, the same handler without the guard), and "
          "nginx with deploy/nginx-guard.conf in front of the same OrdersAPI route (`nginx_check`: every request makes an "
          "auth_request to Portcullis's /oauth/check; `nginx_check_cached`: the shipped one-second cache of positive "
          "answers; `nginx_plain`: nginx proxying without the check). Every scenario sends the same request, the "
          "bearer token included, so a comparison measures the check and not the header's bytes. Same wrk load as "
          "above; CPU and RSS are of OrdersAPI or of nginx (master and workers), not of Portcullis.")
        w("")
        w("| scenario | req/s | p50 ms | p99 ms | ok | non-2xx | 2xx unexpected | socket errors |")
        w("|---|---|---|---|---|---|---|---|")
        for name, s2 in res.items():
            w(f"| `{name}` | {f0(s2['rps'])} | {ms(s2['p50_ms'])} | {ms(s2['p99_ms'])} | {s2['ok']} | {s2['non2xx']} | "
              f"{s2['two_xx_without_expect']} | {s2['socket_errors']} |")
        delay = doc.get("resources_revocation_seconds")
        w("")
        w(f"A revoked token was refused by the guard {f0(delay, 2) if delay is not None else 'never (within 10 s)'} s after "
          "the revocation (bench/run asks every 20 ms; the guard polls the revocation feed every second).")
        w("")
    w(f"![Portcullis vs peers vs limits]({png_rel})")
    w("")
    w("## The limits of this machine")
    w("")
    one = doc["limits"].get("openssl_1_process") or {}
    multi = doc["limits"].get(f"openssl_{cores}_processes") or {}
    if one:
        w(f"`openssl speed -seconds 2 rsa2048 ecdsap256 ed25519`, then the same with `-multi {cores}`:")
        w("")
        w(f"| operation | 1 process sign/s | 1 process verify/s | {cores} processes sign/s | {cores} processes verify/s |")
        w("|---|---|---|---|---|")
        for k, lab in (("rsa2048", "RSA-2048"), ("ecdsap256", "ECDSA P-256"), ("ed25519", "Ed25519")):
            a, b = one.get(k, {}), multi.get(k, {})
            w(f"| {lab} | {f0(a.get('sign_per_s'))} | {f0(a.get('verify_per_s'))} | {f0(b.get('sign_per_s'))} | {f0(b.get('verify_per_s'))} |")
        w("")
        end = doc["limits"].get(f"openssl_{cores}_processes_end") or {}
        if end:
            w(f"The same with `-multi {cores}` again after the last load (this VM's speed drifts within a run): "
              + "; ".join(f"{lab} {f0((end.get(k) or {}).get('sign_per_s'))} sign/s, {f0((end.get(k) or {}).get('verify_per_s'))} verify/s"
                          for k, lab in (("rsa2048", "RSA-2048"), ("ecdsap256", "ECDSA P-256"), ("ed25519", "Ed25519"))) + ".")
            w("")
    bc, cb = doc["limits"].get("bcrypt"), doc["limits"].get("bcrypt_cbcrypt_cross_check")
    if bc:
        w("The limits used for the ratios are the highest of the one-process and the all-cores figures, at the start "
          "and (where measured) the end of the run (under outside load `-multi` can come out lower than one process, and "
          "the VM's speed drifts) and, for bcrypt, the fastest of the probes.")
        w("")
        w(f"bcrypt at cost {bc['cost']} (`bench/tools/bcrypt_limit.py`, {bc['implementation']}): "
          f"{bc['ms_per_verify_1_process']} ms per verification, {f0(bc['verifies_per_s_1_process'], 1)}/s in one process, "
          f"**{f0(bc['verifies_per_s_all_processes'], 1)}/s in {bc['processes']} processes**.")
        end_b = doc["limits"].get("bcrypt_end")
        if end_b:
            w(f"Again after the last load: {f0(end_b['verifies_per_s_all_processes'], 1)}/s in {end_b['processes']} processes.")
        if cb:
            w(f"Cross-check with the code Portcullis runs ({cb['implementation']}, `bench/tools/cbcrypt_limit.c`): "
              f"{cb['ms_per_verify_1_process']} ms per verification, {f0(cb['verifies_per_s_all_processes'], 1)}/s in "
              f"{cb['processes']} processes.")
        w("")
    if doc["limits"].get("ceiling_route_rps"):
        dw = doc["limits"].get("durable_writes")
        if dw:
            w(f"Durable writes: `{dw['command']}` on the file system of the data folders took {dw['ms_per_write']} ms per "
              f"4 KiB synchronous write, **{f0(dw['writes_per_s'])} per second**. Every committed SQLite write transaction "
              "(a refresh-token rotation, a password grant) pays at least one, so this bounds durable write rates.")
            w("")
        w(f"Ceiling route: Portcullis's own `GET /health` (no auth, tiny JSON) at {f0(doc['limits']['ceiling_route_rps'])} req/s "
          "with the same wrk parameters; it is what the framework, the HTTP stack and wrk leave on this machine.")
        w("")
    w("## Peers, measured in the same run")
    w("")
    if doc["peers"]:
        w("Set up by `bench/peers/*/setup.sh` (Debian package / PyPI, SQLite), driven by the same `bench.sh` and "
          "`post_form.lua`, RS256 JWT access tokens everywhere (the peers' JWT variants; see bench/peers/RESULTS.md for "
          "their opaque defaults, tmpfs runs and caveats). Their password hashes differ from Portcullis's bcrypt "
          "cost 10: Glewlwyd PBKDF2-SHA256 150k iterations, django-oauth-toolkit PBKDF2-SHA256 1M iterations, Authlib "
          "(Werkzeug) scrypt n=2^15 r=8. Every peer writes its tokens to SQLite; Portcullis's client-credentials grant writes nothing.")
        w("")
        w("| peer | scenario | req/s | p50 ms | p99 ms | ok | non-2xx + 2xx unexpected | peak RSS MiB (sum) | Portcullis req/s | Portcullis / peer |")
        w("|---|---|---|---|---|---|---|---|---|---|")
        pw = next((n for n in pcs if n.startswith("password")), None)
        for peer, scs in doc["peers"].items():
            for name, s in scs.items():
                mine = pcs.get("cc_rs256") if name.startswith("cc") else pcs.get(pw) if pw else None
                rat = f"{mine['rps'] / s['rps']:.1f}x" if mine and s.get("rps") else "-"
                w(f"| {PEER_NAME.get(peer, peer)} | `{name}` | {f0(s['rps'])} | {ms(s['p50_ms'])} | {ms(s['p99_ms'])} | {s['ok']} | "
                  f"{(s['non2xx'] or 0) + (s['two_xx_without_expect'] or 0)} | {f0(s['peak_rss_mib'], 1)} | "
                  f"{f0(mine['rps']) if mine else '-'} | {rat} |")
        w("")
        w(f"Versions: Glewlwyd {r.get('glewlwyd_version', '?')}; DOT venv: {r.get('dot_versions', '?')}; Authlib venv: "
          f"{r.get('authlib_versions', '?')}.")
    else:
        w("No peers in this run (`--no-peers` or smoke mode).")
    w("")
    w("## Published figures (not measured here)")
    w("")
    hy, kc = doc["published"]["hydra"], doc["published"]["keycloak"]
    w("| server | client credentials/s | introspections/s | password logins/s | refresh/s | hardware | source |")
    w("|---|---|---|---|---|---|---|")
    w(f"| Ory Hydra | {hy['client_credentials_per_s']} | {f0(hy['introspections_per_s'])} | - | - | 2 CPUs | see below |")
    pv = kc["per_vcpu"]
    w(f"| Keycloak | {pv['client_credentials_per_s']} per vCPU ({2 * pv['client_credentials_per_s']} for 2) | - | "
      f"{pv['password_logins_per_s']} per vCPU ({2 * pv['password_logins_per_s']} for 2) | {pv['refresh_per_s']} per vCPU "
      f"({2 * pv['refresh_per_s']} for 2) | per vCPU, AWS, TLS, Aurora PostgreSQL | see below |")
    w("")
    w(f"- Hydra: {hy['source']}")
    w(f"- Keycloak: {kc['source']}")
    w("")
    w("These are other people's numbers on other hardware with other setups (TLS, networked databases, different "
      "hash costs); they set the goals of issue 4 but are not comparisons of equals.")
    w("")
    w("## Scaling with stored data")
    w("")
    import results as R

    def case_label(key):
        kind, size = R.scaling_case(key)
        return f"{size:,} workspaces" if kind == "workspaces" else f"{size:,} rows" if size is not None else key

    if doc["scaling"]:
        w("The same checking and issuing scenarios on a data folder that already holds N grants (each with its refresh "
          "token) and N revocations, inserted straight into the SQLite file after `portcullis migrate` "
          "(`bench/tools/seed_scale.sql`, a recursive CTE). Shape of the data: password grants made over the last 30 "
          "days, 1 in 7 revoked; one unused refresh token per grant (random 64-hex-digit hash, like a real SHA-256); of the N "
          "revocations **1 in 10 is still active** (revoked in the last 50 minutes, `expires_at` one access-token "
          "lifetime later) and 9 in 10 expired up to 30 days ago, 1 in 7 naming a grant and the rest a token id. "
          "Why 10%: revocation rows only matter while the access tokens they name can still be alive (1 hour), and "
          "nothing deletes expired rows, so a long-lived table is mostly expired rows; 10% active is a heavy case "
          "for the in-memory mirror (100,000 live entries at 1M rows: 100,000 revocations within one hour) without "
          "being absurd. The password grant is left out: its cost is bcrypt, not the tables.")
        w("")
        if any(R.scaling_case(k)[0] == "workspaces" for k in doc["scaling"]):
            w("Many tenants: the same scenarios on a data folder holding W workspaces of **10 clients and 100 users "
              "each** (`bench/tools/seed_workspaces.sql`, after the CLI-made client and users): per workspace its "
              "Personal Access Client (registered by `portcullis migrate`, as every workspace gets one), 9 applications "
              "(password and client credentials, authorization code, public with PKCE) and users `user001` to "
              "`user100`, all with one shared bcrypt hash, 1 in 10 with permissions and 1 in 20 inactive. The measured "
              "requests are those of the empty-database runs, made by the CLI-made client and users of `workflow` "
              "(the workspace the ProcessMaker 4 routes serve), itself filled up to 10 clients and 100 users. Before "
              "measuring, a client made by the CLI in the middle workspace gets a client-credentials token and "
              "introspects it on that workspace's ProcessMaker 3 routes, a seeded user signs in with the shared "
              "password, a seeded inactive user is refused and the client is refused in `workflow`.")
            w("")
        names = ["cc_rs256", "refresh_rotation", "users_me", "introspect"]
        sizes = list(doc["scaling"].keys())
        hdr = "| scenario | empty DB req/s (p99 ms / idle CPU ms per s) | " + " | ".join(f"{case_label(n)} req/s (vs empty)" for n in sizes) + \
              " | " + " | ".join(f"{case_label(n)}: p99 ms / peak RSS MiB / start s / idle CPU ms per s" for n in sizes) + " |"
        w(hdr)
        w("|---|---|" + "---|" * (2 * len(sizes)))
        for n in names:
            base = pcs.get(n, {}).get("rps")
            cells = []
            for sz in sizes:
                s = doc["scaling"][sz]["scenarios"].get(n)
                cells.append("-" if not s else f"{f0(s['rps'])} ({s['rps'] / base:.2f}x)" if base else f0(s["rps"]))
            cells2 = []
            for sz in sizes:
                s = doc["scaling"][sz]["scenarios"].get(n)
                cells2.append("-" if not s else f"{ms(s['p99_ms'])} / {f0(s['peak_rss_mib'], 1)} / {s.get('startup_s', '-')} / "
                                                 f"{f0(s.get('idle_cpu_ms_per_s'))}")
            b = pcs.get(n, {})
            w(f"| {LABEL.get(n, n)} | {f0(base)} ({ms(b.get('p99_ms'))} / {f0(b.get('idle_cpu_ms_per_s'))}) | "
              + " | ".join(cells) + " | " + " | ".join(cells2) + " |")
        w("")
        for sz, v in doc["scaling"].items():
            rows = v.get("rows") or {}
            anys = next(iter(v["scenarios"].values()), {})
            if R.scaling_case(sz)[0] == "workspaces":
                w(f"- {case_label(sz)}: tables hold {f0(rows.get('workspaces'))} workspaces, {f0(rows.get('clients'))} "
                  f"clients, {f0(rows.get('users'))} users and {f0(rows.get('user_permissions'))} permission rows; "
                  f"measured in `{v.get('measured_in', 'workflow')}`, {v.get('checks_passed', '?')} checks passed in "
                  f"`{v.get('checked_in', '?')}`; seeding took {v.get('seed_seconds')} s; the SQLite file is "
                  f"{anys.get('db_bytes', 0) / 1048576:.0f} MiB.")
                continue
            w(f"- {int(sz):,}: tables hold {rows.get('grants', '?'):,} grants, {rows.get('refresh_tokens', '?'):,} refresh "
              f"tokens, {rows.get('revocations', '?'):,} revocations of which {rows.get('active_revocations', '?'):,} active; "
              f"seeding took {v.get('seed_seconds')} s; the SQLite file is {anys.get('db_bytes', 0) / 1048576:.0f} MiB.")
        w("")
    else:
        w("Not part of this run.")
        w("")
    w("## Where the time goes (profiles of missed goals)")
    w("")
    if doc["profiles"]:
        w("`perf stat -e instructions true` reports the counter as not supported on this virtual machine, and "
          "`valgrind --tool=callgrind` (and even `--tool=none`) dies with an internal SIGSEGV while `portcullis serve` "
          "starts (valgrind 3.19, in libdispatch's thread set-up), so the profiles use `perf record -e cpu-clock -g`: "
          "software-timer sampling at 999 Hz of the server process (every thread, user and kernel) for 8 s in the "
          "middle of a 12 s load of the scenario itself (`wrk -t2 -c32`, same Lua script) on a fresh server. "
          "Symbols are demangled with `swift demangle --simplified`. Call chains come from frame pointers: "
          "BoringSSL's assembly has none, so its samples appear under hexadecimal callers in the inclusive table; "
          "read the self-cost table and the buckets for crypto.")
        w("")
        for sc, p in doc["profiles"].items():
            lr = p.get("load_result") or {}
            w(f"### {LABEL.get(key_of(sc), sc)} (`{sc}`)")
            w("")
            w(f"Load while sampling: {f0(lr.get('rps'))} req/s, {lr.get('requests', '?')} requests, {lr.get('non2xx', '?')} non-2xx.")
            w("")
            def table(intro, header, rows):
                if not rows:
                    return
                if intro:
                    w(intro)
                    w("")
                w("| " + " | ".join(header) + " |")
                w("|" + "---|" * len(header))
                for cells in rows:
                    w("| " + " | ".join(cells) + " |")
                w("")

            def fn(fr):
                return f"`{fr['function'].replace('|', '/')}`"

            table("Self cost by kind of work (share of the server's samples):", ["work", "% of samples"],
                  [[b["bucket"], f"{b['pct']:.1f}"] for b in p.get("buckets") or []])
            if p.get("libraries"):
                w("By library: " + ", ".join(f"{lib['library']} {lib['pct']:.1f}%" for lib in p["libraries"]) + ".")
                w("")
            if p.get("self"):
                w("<details><summary>Top functions by self cost</summary>")
                w("")
                table("", ["% self", "function"],
                      [[f"{fr['pct']:.2f}", fn(fr) + (" (kernel)" if fr.get("kernel") else "")] for fr in p["self"][:20]])
                w("</details>")
                w("")
            table("Top functions by inclusive cost (the function and what it calls; thread and event-loop plumbing left out):",
                  ["% inclusive", "% self", "function"],
                  [[f"{fr['pct']:.2f}", f"{fr['self_pct']:.2f}", fn(fr)] for fr in (p.get("inclusive") or [])[:25]])
    else:
        w("No profile in this run (no goal missed, or `--no-profile`).")
        w("")
    if analysis:
        first = analysis.splitlines()[0] if analysis else ""
        m = re.search(r"run[: ]+`?([0-9TZ-]+)`?", first)
        w("## What the numbers say")
        w("")
        if m and m.group(1) != r["run_id"]:
            w(f"> This reading was written for run `{m.group(1)}`; the figures above are from run `{r['run_id']}`. "
              "Check it against them before relying on it.")
            w("")
        w("\n".join(analysis.splitlines()[1:]).strip())
        w("")
    return "\n".join(L) + "\n"


def main():
    src, out_md, out_png = sys.argv[1:4]
    doc = json.load(open(src))
    chart(doc, out_png)
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = os.path.join(here, "analysis.md")
    analysis = open(ap).read() if os.path.exists(ap) else ""
    png_rel = os.path.relpath(out_png, os.path.dirname(os.path.abspath(out_md)))
    with open(out_md, "w") as f:
        f.write(md(doc, png_rel, analysis))


if __name__ == "__main__":
    main()
