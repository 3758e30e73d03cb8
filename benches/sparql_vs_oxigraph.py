#!/usr/bin/env python3
"""govgate's public SPARQL endpoint side by side with `oxigraph serve`, on the same data.

The data is exported from govgate's own public endpoint (every public graph, as N-Quads)
and loaded into a plain Oxigraph server with a union default graph, so both answer the
same queries over the same quads. Each query must return the same number of results on
both servers before anything is timed. Then, one server under load at a time (the machine
has two cores), in alternating rounds: sequential latency per query, and throughput with N
keep-alive clients.

    PY=$(scripts/pyenv)/bin/python
    $PY benches/sparql_vs_oxigraph.py --govgate "$CARGO_TARGET_DIR/release/govgate" --markdown
"""

import argparse, http.client, json, math, os, shutil, socket, statistics, subprocess
import sys, tempfile, threading, time, urllib.parse
from pathlib import Path

PREFIXES = """PREFIX gg: <https://w3id.org/govgate/core#>
PREFIX ggm: <https://w3id.org/govgate/mapping#>
PREFIX sssom: <https://w3id.org/sssom/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
"""

# (name, kind, query): what the gateway's users ask most, from a single-IRI lookup to
# whole-store aggregates. kind picks the Accept header and how results are counted.
QUERIES = [
    ("label_by_iri", "select", """SELECT ?label ?definition WHERE {
  gg:PersonalInformation skos:prefLabel ?label .
  OPTIONAL { gg:PersonalInformation skos:definition ?definition FILTER(LANG(?definition) = LANG(?label)) } }"""),
    ("label_search", "select", """SELECT ?s ?label WHERE {
  ?s skos:prefLabel ?label FILTER(CONTAINS(LCASE(STR(?label)), "transfer")) } ORDER BY ?label"""),
    ("crosswalk_rows", "select", """SELECT ?row ?predicate ?target ?confidence ?targetLabel ?status WHERE {
  ?row a owl:Axiom ; owl:annotatedSource <https://w3id.org/govgate/j/eu/ai-act#DataGovernance> ;
       owl:annotatedProperty ?predicate ; owl:annotatedTarget ?target ; sssom:confidence ?confidence .
  OPTIONAL { ?row sssom:object_label ?targetLabel }
  OPTIONAL { ?row ggm:reviewStatus ?status } } ORDER BY DESC(?confidence) ?row"""),
    ("provisions_of_instrument", "select", """SELECT ?provision ?citation ?applies WHERE {
  ?provision a gg:Provision ; gg:instrument <https://w3id.org/govgate/eli/eu/ai-act> ; gg:citation ?citation .
  OPTIONAL { ?provision eli:date_applicability ?applies } } ORDER BY ?citation"""),
    ("count_per_class", "select", """SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class }
GROUP BY ?class ORDER BY DESC(?n) ?class"""),
    ("concept_paths", "select", """SELECT DISTINCT ?concept ?label WHERE {
  ?concept skos:broader+ gg:PersonalInformation ; a/rdfs:subClassOf* skos:Concept ; skos:prefLabel ?label
  FILTER(LANG(?label) = "en") } ORDER BY ?label"""),
    ("obligations_by_date", "select", """SELECT ?obligation ?citation ?applies WHERE {
  ?obligation a gg:Obligation ; gg:derivedFromProvision ?provision .
  ?provision gg:citation ?citation ; eli:date_applicability ?applies
  FILTER(?applies >= "2025-01-01"^^<http://www.w3.org/2001/XMLSchema#date>) } ORDER BY ?applies ?citation"""),
    ("quads_per_graph", "select", """SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }
GROUP BY ?g ORDER BY DESC(?n)"""),
    ("describe_concept", "construct", """CONSTRUCT { gg:PersonalInformation ?p ?o . ?o skos:prefLabel ?label } WHERE {
  gg:PersonalInformation ?p ?o . OPTIONAL { ?o skos:prefLabel ?label } }"""),
    ("ask_provision", "ask", """ASK { <https://w3id.org/govgate/eli/eu/ai-act/art_5> a gg:Provision ;
  gg:instrument <https://w3id.org/govgate/eli/eu/ai-act> }"""),
]
ACCEPT = {"select": "application/sparql-results+json", "ask": "application/sparql-results+json",
          "construct": "application/n-triples"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine():
    return {"cores": len(os.sched_getaffinity(0)), "loadavg": [round(x, 2) for x in os.getloadavg()]}


class Server:
    """One server process; `stop` is safe to call twice and always reaps the process."""

    def __init__(self, name, argv, env, port, path, log_dir):
        self.name, self.port, self.path = name, port, path
        self.log = open(Path(log_dir) / f"{name}.log", "wb")
        self.proc = subprocess.Popen(argv, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def failed(self, why):
        # The temp dir (and the log) is deleted on the way out, so show the log's end now.
        self.log.flush()
        tail = Path(self.log.name).read_text(errors="replace").splitlines()[-20:]
        return SystemExit(f"{self.name} {why}; its log ends:\n" + "\n".join(tail))

    def wait_ready(self, probe, timeout=180):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise self.failed(f"exited with {self.proc.returncode}")
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                if probe(conn) == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass  # not listening yet
            finally:
                conn.close()
            time.sleep(0.2)
        raise self.failed(f"not ready after {timeout}s")

    def connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def post(conn, path, query, accept):
    """One SPARQL query as a form POST over a keep-alive connection: (status, body)."""
    body = urllib.parse.urlencode({"query": query})
    conn.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
    response = conn.getresponse()
    return response.status, response.read()


def count(kind, body):
    if kind == "construct":
        return sum(1 for line in body.decode().splitlines() if line.strip() and not line.startswith("#"))
    answer = json.loads(body)
    return answer["boolean"] if kind == "ask" else len(answer["results"]["bindings"])


def counts(server):
    conn, found = server.connect(), {}
    for name, kind, query in QUERIES:
        status, body = post(conn, server.path, PREFIXES + query, ACCEPT[kind])
        if status != 200:
            raise SystemExit(f"{server.name}: {name} answered {status}: {body[:500]!r}")
        found[name] = count(kind, body)
    conn.close()
    return found


def export(govgate, out):
    """Every public graph of govgate, as N-Quads: the graph list, then one CONSTRUCT each."""
    conn = govgate.connect()
    status, body = post(conn, "/sparql", "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }", "text/csv")
    if status != 200:
        raise SystemExit(f"listing govgate's graphs answered {status}: {body[:500]!r}")
    graphs = [line.strip() for line in body.decode().splitlines()[1:] if line.strip()]
    quads = 0
    with open(out, "w", encoding="utf-8") as f:
        for g in graphs:
            status, body = post(conn, "/sparql", f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}",
                                "application/n-triples")
            if status != 200:
                raise SystemExit(f"exporting <{g}> answered {status}: {body[:500]!r}")
            for line in body.decode().splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    # An N-Triples line ends with " ."; the graph name goes before the dot.
                    f.write(f"{line[:-1].rstrip()} <{g}> .\n")
                    quads += 1
    conn.close()
    return len(graphs), quads


def latency_samples(server, runs):
    """Per query: one warm-up, then `runs` sequential requests on one connection (ms)."""
    conn, samples = server.connect(), {}
    for name, kind, query in QUERIES:
        text, samples[name] = PREFIXES + query, []
        post(conn, server.path, text, ACCEPT[kind])
        for _ in range(runs):
            start = time.perf_counter()
            status, _ = post(conn, server.path, text, ACCEPT[kind])
            samples[name].append((time.perf_counter() - start) * 1e3)
            if status != 200:
                raise SystemExit(f"{server.name}: {name} answered {status} while timed")
    conn.close()
    return samples


def summarise(samples):
    samples = sorted(samples)
    p95 = samples[max(0, math.ceil(0.95 * len(samples)) - 1)]
    return {"median_ms": statistics.median(samples), "p95_ms": p95}


def throughput(server, clients, seconds):
    """`clients` threads, each on its own keep-alive connection, cycling through the mix."""
    stop, lock = threading.Event(), threading.Lock()
    totals = {"requests": 0, "errors": 0}

    def client(offset):
        conn, done, errors, i = server.connect(), 0, 0, offset
        while not stop.is_set():
            name, kind, query = QUERIES[i % len(QUERIES)]
            i += 1
            try:
                status, _ = post(conn, server.path, PREFIXES + query, ACCEPT[kind])
                done, errors = done + 1, errors + (status != 200)
            except (OSError, http.client.HTTPException):
                errors += 1  # a dropped connection: count it and open a new one
                conn.close()
                conn = server.connect()
        conn.close()
        with lock:
            totals["requests"] += done
            totals["errors"] += errors

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    try:
        time.sleep(seconds)
    finally:
        stop.set()  # also on Ctrl-C, so the threads end before the servers stop
        for t in threads:
            t.join(120)
    elapsed = time.perf_counter() - start
    return {"requests": totals["requests"], "errors": totals["errors"], "seconds": round(elapsed, 2),
            "requests_per_s": totals["requests"] / elapsed}


def version(argv):
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.strip()


def main():
    target = os.environ.get("CARGO_TARGET_DIR", str(Path.home() / ".cache/govgate/target"))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--govgate", default=f"{target}/release/govgate", help="the govgate binary")
    parser.add_argument("--runs", type=int, default=30, help="sequential requests per query and server")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients in the throughput phase")
    parser.add_argument("--seconds", type=float, default=20, help="length of the throughput phase per server")
    parser.add_argument("--json", metavar="OUT", help="write the results as JSON to OUT")
    parser.add_argument("--markdown", action="store_true", help="print a markdown table for the README")
    args = parser.parse_args()

    # The oxigraph wheel installs its binary beside this venv's python.
    oxigraph = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if not Path(args.govgate).is_file() or not oxigraph:
        raise SystemExit(f"need the govgate binary ({args.govgate}) and oxigraph (run: $(scripts/pyenv)/bin/python)")
    versions = {"govgate": version([args.govgate, "--version"]), "oxigraph": version([oxigraph, "--version"])}
    work = Path(tempfile.mkdtemp(prefix="govgate-sparql-bench-"))
    env = dict(os.environ, GOVGATE_ADMIN__BIND="127.0.0.1:0", GOVGATE_SPARQL__MAX_RESULTS="1000000",
               GOVGATE_SPARQL__MAX_CONCURRENT=str(args.clients), GOVGATE_HTTP__WORKERS="2",
               GOVGATE_LOG__FILTER="warn")

    def readyz(conn):
        conn.request("GET", "/readyz")
        return conn.getresponse().status

    ready = {"govgate": readyz, "oxigraph": lambda conn: post(conn, "/query", "ASK {}", ACCEPT["ask"])[0]}

    def start(name):
        port = free_port()
        if name == "govgate":
            argv = [args.govgate, "--data-dir", str(work / "govgate"), "serve", "--bind", f"127.0.0.1:{port}"]
            server = Server(name, argv, env, port, "/sparql", work)
        else:
            argv = [oxigraph, "serve", "--location", str(work / "oxigraph"), "--bind", f"127.0.0.1:{port}",
                    "--union-default-graph"]
            server = Server(name, argv, os.environ, port, "/query", work)
        running.append(server)
        server.wait_ready(ready[name])
        return server

    running, results = [], {"versions": versions, "queries": [q[0] for q in QUERIES],
                            "settings": {"runs": args.runs, "clients": args.clients, "seconds": args.seconds}}
    try:
        # Preparation: export govgate's data, load it into Oxigraph, compare result counts.
        print(f"machine: {machine()['cores']} cores, load average {machine()['loadavg']}", file=sys.stderr)
        govgate = start("govgate")
        graphs, quads = export(govgate, work / "data.nq")
        results["data"] = {"graphs": graphs, "quads": quads}
        print(f"exported {quads} quads in {graphs} graphs from govgate", file=sys.stderr)
        expected = counts(govgate)
        govgate.stop()
        load = subprocess.run([oxigraph, "load", "--location", str(work / "oxigraph"), "--file", str(work / "data.nq")],
                              capture_output=True, text=True)
        if load.returncode != 0:
            raise SystemExit(f"oxigraph load failed ({load.returncode}):\n{load.stderr[-2000:]}")
        oxi = start("oxigraph")
        found = counts(oxi)
        oxi.stop()
        results["result_counts"] = expected
        differ = {n: (expected[n], found[n]) for n in expected if expected[n] != found[n]}
        if differ:
            for name, (g, o) in differ.items():
                print(f"RESULT COUNT DIFFERS: {name}: govgate {g}, oxigraph {o}", file=sys.stderr)
            raise SystemExit("the servers disagree; nothing timed")

        # Measurement: both servers run, but only one is under load at a time (an idle
        # server uses no CPU). The rounds alternate govgate, oxigraph, oxigraph, govgate,
        # so that a drift in the machine's speed during the run (other tenants, CPU
        # frequency) weighs on both servers alike instead of on whichever went second.
        servers = {name: start(name) for name in ("govgate", "oxigraph")}
        samples = {name: {q[0]: [] for q in QUERIES} for name in servers}
        served = {name: {"requests": 0, "errors": 0, "seconds": 0.0} for name in servers}
        before = machine()["loadavg"]
        for name in ("govgate", "oxigraph", "oxigraph", "govgate"):
            print(f"timing {name} ({versions[name]})...", file=sys.stderr)
            for query, times in latency_samples(servers[name], math.ceil(args.runs / 2)).items():
                samples[name][query].extend(times)
            t = throughput(servers[name], args.clients, args.seconds / 2)
            for key in served[name]:
                served[name][key] += t[key]
        for name in servers:
            t = served[name]
            results[name] = {"latency": {q: summarise(times) for q, times in samples[name].items()},
                             "throughput": dict(t, seconds=round(t["seconds"], 2),
                                                requests_per_s=t["requests"] / t["seconds"]),
                             "loadavg_before": before, "loadavg_after": machine()["loadavg"]}
            servers[name].stop()
    finally:
        for server in running:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)

    results["machine"] = machine()
    ratios = {n: results["govgate"]["latency"][n]["median_ms"] / results["oxigraph"]["latency"][n]["median_ms"]
              for n in results["queries"]}
    results["ratio_of_medians"] = ratios
    results["geomean_ratio"] = math.exp(statistics.fmean(math.log(r) for r in ratios.values()))
    tg, to = results["govgate"]["throughput"], results["oxigraph"]["throughput"]
    results["throughput_ratio"] = tg["requests_per_s"] / to["requests_per_s"]
    report(results, args)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


def report(r, args):
    m, s = r["machine"], r["settings"]
    print(f"{r['versions']['govgate']}  vs  {r['versions']['oxigraph']} (serve --union-default-graph)")
    print(f"machine: {m['cores']} cores, load average {m['loadavg']}; data: {r['data']['quads']} quads "
          f"in {r['data']['graphs']} graphs; {s['runs']} runs per query, {s['clients']} clients for {s['seconds']} s")
    for name in ("govgate", "oxigraph"):
        print(f"  {name}: load average before {r[name]['loadavg_before']}, after {r[name]['loadavg_after']}")
    print(f"\n{'query':<26}{'results':>8}{'govgate med':>13}{'p95':>9}{'oxigraph med':>14}{'p95':>9}{'ratio':>8}")
    for q in r["queries"]:
        g, o = r["govgate"]["latency"][q], r["oxigraph"]["latency"][q]
        print(f"{q:<26}{str(r['result_counts'][q]):>8}{g['median_ms']:>13.2f}{g['p95_ms']:>9.2f}"
              f"{o['median_ms']:>14.2f}{o['p95_ms']:>9.2f}{r['ratio_of_medians'][q]:>8.2f}")
    print(f"geometric mean of the ratios (govgate / oxigraph): {r['geomean_ratio']:.2f}")
    for name in ("govgate", "oxigraph"):
        t = r[name]["throughput"]
        print(f"throughput {name}: {t['requests_per_s']:.1f} requests/s ({t['requests']} in {t['seconds']} s, "
              f"{t['errors']} errors)")
    print(f"throughput ratio (govgate / oxigraph): {r['throughput_ratio']:.2f}")
    if args.markdown:
        print("\n| query | results | govgate median (ms) | govgate p95 | oxigraph median (ms) | oxigraph p95 | ratio |")
        print("|---|--:|--:|--:|--:|--:|--:|")
        for q in r["queries"]:
            g, o = r["govgate"]["latency"][q], r["oxigraph"]["latency"][q]
            print(f"| `{q}` | {r['result_counts'][q]} | {g['median_ms']:.2f} | {g['p95_ms']:.2f} | "
                  f"{o['median_ms']:.2f} | {o['p95_ms']:.2f} | {r['ratio_of_medians'][q]:.2f} |")
        print(f"| **geometric mean** | | | | | | **{r['geomean_ratio']:.2f}** |")
        tg, to = r["govgate"]["throughput"], r["oxigraph"]["throughput"]
        print(f"\n| throughput ({s['clients']} clients, {s['seconds']} s) | govgate | oxigraph | ratio |")
        print("|---|--:|--:|--:|")
        print(f"| requests/s | {tg['requests_per_s']:.1f} | {to['requests_per_s']:.1f} | {r['throughput_ratio']:.2f} |")
        print(f"| errors | {tg['errors']} | {to['errors']} | |")
        print(f"\n{m['cores']} cores, load average {m['loadavg']}; {r['versions']['govgate']}; {r['versions']['oxigraph']}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # the servers are already stopped by main's finally
        sys.exit("interrupted")
