// govgate SPARQL page. Plain ES2020, no dependencies: the page must work offline.
// Server data reaches the DOM only through textContent / createElement, never innerHTML.
"use strict";

const ENDPOINT = "/sparql";
const GG = "https://w3id.org/govgate";
const MAX_RENDERED_ROWS = 5000; // a huge table freezes phones; the download has every row

// Prefixes the examples may use; withPrefixes() declares only those a query mentions.
const PREFIXES = {
  gg: GG + "/core#", ggj: GG + "/jurisdiction#", ggm: GG + "/mapping#",
  sssom: "https://w3id.org/sssom/", skos: "http://www.w3.org/2004/02/skos/core#",
  rdfs: "http://www.w3.org/2000/01/rdf-schema#", rdf: "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
  owl: "http://www.w3.org/2002/07/owl#", dct: "http://purl.org/dc/terms/",
  xsd: "http://www.w3.org/2001/XMLSchema#", eli: "http://data.europa.eu/eli/ontology#",
};
// Display-only abbreviations, longest namespace first so the most specific one wins.
const DISPLAY = [["eli/", GG + "/eli/"], ...Object.entries(PREFIXES).map(([p, ns]) => [p + ":", ns])]
  .sort((a, b) => b[1].length - a[1].length);
// Module terms, https://w3id.org/govgate/j/<cc>/<slug>#X, are shown as <cc>-<slug>:X.
const MODULE_NS = /^https:\/\/w3id\.org\/govgate\/j\/([^/#]+)\/([^/#]+)#(.*)$/;

const EXAMPLES = [
  { title: "Chinese provisions with no EU counterpart",
    description: "Obligations, prohibitions and rights of the Chinese modules that no crosswalk row pairs with a real EU term (rows whose EU side is sssom:NoTermFound are shown, not counted).",
    body: `SELECT ?term ?kind ?label ?citation ?instrument ?noTermFoundRow WHERE {
  VALUES ?kind { gg:Obligation gg:Prohibition gg:Right }
  ?term a ?kind ;
        gg:derivedFromProvision ?prov .
  # the provision's instrument, or the instrument itself when no article is known
  ?prov gg:instrument? ?inst .
  ?inst a gg:Instrument ;
        gg:jurisdiction ggj:CN ;
        gg:shortCode ?instrument .
  OPTIONAL { ?prov gg:citation ?citation }
  OPTIONAL { ?term skos:prefLabel ?label . FILTER(LANGMATCHES(LANG(?label), "en")) }
  # drop terms that a crosswalk row pairs with a real EU term;
  # a row whose EU side is sssom:NoTermFound does not count
  MINUS {
    { ?row owl:annotatedTarget ?term ;
           ggm:subjectJurisdiction ggj:EU ;
           owl:annotatedSource ?other }
    UNION
    { ?row owl:annotatedSource ?term ;
           ggm:objectJurisdiction ggj:EU ;
           owl:annotatedTarget ?other }
    FILTER(?other != sssom:NoTermFound)
  }
  # the explicit "no EU term" row, where there is one (a sub-query is faster here)
  OPTIONAL {
    SELECT ?term ?noTermFoundRow WHERE {
      ?noTermFoundRow owl:annotatedSource sssom:NoTermFound ;
                      owl:annotatedTarget ?term ;
                      ggm:subjectJurisdiction ggj:EU .
    }
  }
}
ORDER BY ?instrument ?citation ?term` },
  { title: "What EU AI Act Art. 50(2) maps to in each jurisdiction",
    description: "Terms derived from or defined by AI Act Art. 50(2), and every crosswalk row that maps them, by counterpart jurisdiction (the hub counts as INT).",
    body: `SELECT ?jurisdiction ?term ?relation ?counterpart ?counterpartLabel ?confidence ?strm ?row WHERE {
  ?term gg:derivedFromProvision|gg:definedByProvision
        <https://w3id.org/govgate/eli/eu/ai-act/art_50/par_2> .
  {
    # the EU term is the subject of the row
    ?row owl:annotatedSource ?term ;
         owl:annotatedTarget ?counterpart ;
         ggm:objectJurisdiction ?jurisdiction .
    OPTIONAL { ?row sssom:object_label ?counterpartLabel }
  } UNION {
    # the EU term is the object of another instrument's row
    ?row owl:annotatedTarget ?term ;
         owl:annotatedSource ?counterpart ;
         ggm:subjectJurisdiction ?jurisdiction .
    OPTIONAL { ?row sssom:subject_label ?counterpartLabel }
  }
  ?row owl:annotatedProperty ?relation ;
       sssom:confidence ?confidence ;
       ggm:strmRelationship ?strm .
}
ORDER BY ?jurisdiction DESC(?confidence) ?term` },
  { title: "Obligations of a jurisdiction, with citation and date",
    description: "Every gg:Obligation of one jurisdiction (edit the VALUES line), its provision citation, the date it applies from and its duty bearers.",
    body: `SELECT ?obligation ?label ?citation ?applies
       (GROUP_CONCAT(DISTINCT ?bearer; separator=", ") AS ?dutyBearers) WHERE {
  VALUES ?jurisdiction { ggj:CN }  # or ggj:EU ggj:US ggj:US-CO ggj:GB ggj:SG ggj:JP ggj:KR ggj:INT
  ?obligation a gg:Obligation ;
              gg:derivedFromProvision ?prov .
  ?prov gg:instrument? ?inst .
  ?inst a gg:Instrument ;
        gg:jurisdiction ?jurisdiction ;
        gg:shortCode ?code .
  OPTIONAL { ?obligation skos:prefLabel ?label . FILTER(LANGMATCHES(LANG(?label), "en")) }
  OPTIONAL { ?prov gg:citation ?provCitation }
  OPTIONAL { ?obligation gg:dutyBearer/skos:prefLabel ?bearer .
             FILTER(LANGMATCHES(LANG(?bearer), "en")) }
  # the obligation's own date, else its provision's, else its instrument's
  OPTIONAL { ?obligation eli:date_applicability ?d1 }
  OPTIONAL { ?prov eli:date_applicability ?d2 }
  OPTIONAL { ?inst eli:date_applicability ?d3 }
  BIND(COALESCE(?provCitation, CONCAT(?code, " (whole instrument)")) AS ?citation)
  BIND(COALESCE(?d1, ?d2, ?d3) AS ?applies)
}
GROUP BY ?obligation ?label ?citation ?applies
ORDER BY ?citation ?obligation` },
  { title: "Low-confidence crosswalk rows",
    description: "Crosswalk rows with sssom:confidence below 0.55, with their review status and mapping set; edit the FILTER to change the threshold or list draft rows.",
    body: `SELECT ?row ?subject ?relation ?object ?confidence ?status ?set WHERE {
  # pick the rows first: filtering before the joins keeps this fast
  { SELECT ?row ?confidence WHERE {
      ?row sssom:confidence ?confidence .
      FILTER(?confidence < 0.55)
  } }
  # draft rows instead: FILTER(?status = "draft") below, without the sub-query
  ?row ggm:reviewStatus ?status ;
       owl:annotatedSource ?subject ;
       owl:annotatedProperty ?relation ;
       owl:annotatedTarget ?object .
  ?set sssom:mappings ?row .
}
ORDER BY ?confidence ?set ?row` },
  { title: "Provisions and obligations per instrument",
    description: "For each instrument: its short code, jurisdiction, and how many provisions and obligations the ontology describes.",
    body: `SELECT ?instrument ?code ?jurisdiction
       (COALESCE(?np, 0) AS ?provisions) (COALESCE(?no, 0) AS ?obligations) WHERE {
  ?instrument a gg:Instrument ;
              gg:shortCode ?code ;
              gg:jurisdiction ?jurisdiction .
  # separate sub-queries, so the two counts do not multiply each other
  OPTIONAL {
    SELECT ?instrument (COUNT(DISTINCT ?p) AS ?np)
    WHERE { ?p a gg:Provision ; gg:instrument ?instrument }
    GROUP BY ?instrument
  }
  OPTIONAL {
    SELECT ?instrument (COUNT(DISTINCT ?o) AS ?no)
    WHERE { ?o a gg:Obligation ; gg:derivedFromProvision/gg:instrument? ?instrument .
            ?instrument a gg:Instrument }
    GROUP BY ?instrument
  }
}
ORDER BY ?jurisdiction ?code` },
  { title: "Unconfirmed items",
    description: "Everything tagged gg:confidence gg:Unconfirmed ([U] in the reference): instruments, provisions, obligations, concepts.",
    body: `SELECT ?item ?type ?label ?citation ?source WHERE {
  ?item gg:confidence gg:Unconfirmed .
  OPTIONAL { ?item a ?type }
  OPTIONAL { ?item skos:prefLabel ?label . FILTER(LANGMATCHES(LANG(?label), "en")) }
  OPTIONAL { ?item gg:citation ?citation }
  OPTIONAL { ?item gg:sourceKey ?source }
}
ORDER BY ?type ?item` },
  { title: "Labels of a concept in English and Chinese",
    description: "Preferred and alternative labels and the definition of one concept (edit the VALUES line), in English and Simplified Chinese.",
    body: `SELECT ?property ?label ?language WHERE {
  VALUES ?concept { gg:PIHandler }  # any IRI, e.g. gg:ServiceProvider
  VALUES ?property { skos:prefLabel skos:altLabel rdfs:label skos:definition }
  ?concept ?property ?label .
  BIND(LANG(?label) AS ?language)
  FILTER(LANGMATCHES(?language, "en") || LANGMATCHES(?language, "zh"))
}
ORDER BY ?language ?property ?label` },
  { title: "Named graphs and their size",
    description: "Every named graph (the ontology release and one per mapping set) with its triple count; the default graph is their union.",
    body: `SELECT ?graph (COUNT(*) AS ?triples) WHERE {
  GRAPH ?graph { ?s ?p ?o }
}
GROUP BY ?graph
ORDER BY DESC(?triples)` },
  { title: "Does any EU term closely match a Chinese one? (ASK)",
    description: "An ASK query: true if some EU-to-CN crosswalk row says skos:exactMatch or skos:closeMatch between two real terms.",
    body: `ASK {
  VALUES ?relation { skos:exactMatch skos:closeMatch }
  ?row owl:annotatedProperty ?relation ;
       ggm:subjectJurisdiction ggj:EU ;
       ggm:objectJurisdiction ggj:CN ;
       owl:annotatedSource ?eu ;
       owl:annotatedTarget ?cn .
  FILTER(?eu != sssom:NoTermFound && ?cn != sssom:NoTermFound)
}` },
  { title: "Everything about one obligation (DESCRIBE)",
    description: "A DESCRIBE query: the triples about the GenAI Measures' labelling duty, as Turtle.",
    body: `DESCRIBE <https://w3id.org/govgate/j/cn/genai#LabelGeneratedContent>` },
];

function withPrefixes(body) {
  const used = Object.keys(PREFIXES).filter((p) => new RegExp(`(?<![\\w-])${p}:`).test(body));
  return used.map((p) => `PREFIX ${p}: <${PREFIXES[p]}>`).join("\n") + (used.length ? "\n\n" : "") + body;
}

// The query form picks the Accept header. Comments go first (but not a # inside an
// IRI or a string), then the PREFIX/BASE prologue; the next keyword is the form.
function queryForm(query) {
  const code = query.replace(/<[^<>"{}|^`\\\s]*>|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#[^\n]*/g,
    (m) => (m[0] === "#" ? " " : m));
  const body = code.replace(/^(?:\s*(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>))*/i, "");
  const m = /^\s*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i.exec(body) || /\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i.exec(body);
  return m ? m[1].toUpperCase() : "SELECT";
}
const isGraphForm = (form) => form === "CONSTRUCT" || form === "DESCRIBE";

// User text as a SPARQL string literal: backslash, quotes and control characters escaped.
function sparqlString(text) {
  const esc = { "\\": "\\\\", '"': '\\"', "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t" };
  return '"' + text.replace(/[\\"'\u0000-\u001f]/g,
    (c) => esc[c] || "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0")) + '"';
}

function compactIri(iri) {
  const m = MODULE_NS.exec(iri);
  if (m) return `${m[1]}-${m[2]}:${m[3]}`;
  const hit = DISPLAY.find(([, ns]) => iri.startsWith(ns) && iri.length > ns.length);
  return hit ? hit[0] + iri.slice(hit[1].length) : iri;
}

// createElement with properties (textContent, className...) and children: no HTML parsing.
function el(tag, props = {}, ...children) {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...children);
  return e;
}

// govgate IRIs resolve on this server; other http(s) IRIs link out. Anything else
// (javascript:, data:, urn:...) stays plain text, never a link.
function iriLink(iri) {
  const props = { textContent: compactIri(iri), title: iri };
  if (iri.startsWith(GG + "/")) return el("a", { ...props, href: iri.slice(GG.length) });
  if (/^https?:\/\//i.test(iri)) return el("a", { ...props, href: iri, rel: "noopener noreferrer", target: "_blank" });
  return el("span", props);
}

const PLAIN_TYPES = [PREFIXES.xsd + "string", PREFIXES.rdf + "langString"];

// One RDF term of a SPARQL JSON result as DOM nodes.
function termNode(t) {
  if (t.type === "uri") return iriLink(t.value);
  if (t.type === "bnode") return document.createTextNode("_:" + t.value);
  if (t.type === "triple") {
    const { subject: s, predicate: p, object: o } = t.value;
    return el("span", {}, "<< ", termNode(s), " ", termNode(p), " ", termNode(o), " >>");
  }
  const lang = t["xml:lang"];
  const value = el("span", { className: "literal", textContent: t.value });
  if (lang) value.lang = lang; // lets the browser pick Chinese glyphs for zh-Hans text
  const frag = document.createDocumentFragment();
  frag.append(value);
  if (lang) frag.append(el("small", { className: "lang", textContent: "@" + lang }));
  else if (t.datatype && !PLAIN_TYPES.includes(t.datatype)) {
    frag.append(el("small", { className: "datatype", textContent: "^^" + compactIri(t.datatype) }));
  }
  return frag;
}

let $; // the page's elements, filled in init()
let lastQuery = null; // what Download re-posts
let running = null; // AbortController of the query in flight

function setStatus(text, kind = "") {
  $.status.textContent = text;
  $.status.className = kind;
}

function clearOutput() {
  $.thead.replaceChildren();
  $.tbody.replaceChildren();
  $.graph.textContent = "";
  $.table.hidden = $.graph.hidden = $.boolean.hidden = true;
}

// A failed answer as one line: RFC 9457 problem documents carry title and detail.
async function problemText(res) {
  const body = await res.text().catch(() => "");
  let detail;
  try {
    const p = JSON.parse(body);
    detail = p.detail || p.title;
  } catch (_) {
    detail = body.slice(0, 500);
  }
  detail = (detail || res.statusText).replace(/\.$/, "");
  const hint = /\bLIMIT\b/.test(detail) ? "" : " Narrow the query or add a LIMIT.";
  if (res.status === 503) return `Timed out (HTTP 503): ${detail}.${hint}`;
  if (res.status === 422) return `Too many results (HTTP 422): ${detail}.${hint}`;
  return `Error (HTTP ${res.status}): ${detail}`;
}

function post(query, accept, signal) {
  return fetch(ENDPOINT, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: accept },
    body: new URLSearchParams({ query }),
    signal,
  });
}

const plural = (n, one, many = one + "s") => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

function renderTable(json) {
  const vars = (json.head && json.head.vars) || [];
  const rows = (json.results && json.results.bindings) || [];
  $.thead.append(el("tr", {}, ...vars.map((v) => el("th", { scope: "col", textContent: v }))));
  const frag = document.createDocumentFragment();
  for (const b of rows.slice(0, MAX_RENDERED_ROWS)) {
    frag.append(el("tr", {}, ...vars.map((v) => (b[v] ? el("td", {}, termNode(b[v])) : el("td")))));
  }
  $.tbody.append(frag);
  $.table.hidden = false;
  return rows.length;
}

// Puts the caret where the parser's "error at line:col" points.
function showErrorPosition(message) {
  const m = /error at (\d+):(\d+)/.exec(message);
  if (!m) return;
  const lines = $.query.value.split("\n");
  const line = Math.min(Number(m[1]), lines.length) - 1;
  const offset = lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0) + Math.max(0, Number(m[2]) - 1);
  $.query.focus();
  $.query.setSelectionRange(offset, offset + 1);
}

async function run({ fromUser = true } = {}) {
  const query = $.query.value;
  if (!query.trim()) return setStatus("The query is empty.", "error");
  const form = queryForm(query);
  if (running) running.abort(); // a new run replaces the one in flight
  const controller = (running = new AbortController());
  clearOutput();
  $.download.disabled = $.run.disabled = true;
  setStatus("Running…", "busy");
  const started = performance.now();
  try {
    const accept = isGraphForm(form) ? "text/turtle" : "application/sparql-results+json";
    const res = await post(query, accept, controller.signal);
    if (!res.ok) {
      const msg = await problemText(res);
      setStatus(msg, "error");
      if (fromUser) showErrorPosition(msg);
      return;
    }
    let summary;
    if (isGraphForm(form)) {
      const text = await res.text();
      $.graph.textContent = text || "# (empty graph)";
      $.graph.hidden = false;
      summary = `${form}: ${plural(text.split("\n").filter((l) => l.trim()).length, "line")} of Turtle`;
    } else {
      const json = await res.json();
      if (typeof json.boolean === "boolean") {
        $.boolean.textContent = String(json.boolean);
        $.boolean.hidden = false;
        summary = `ASK: ${json.boolean}`;
      } else {
        const n = renderTable(json);
        summary = plural(n, "row") + (n > MAX_RENDERED_ROWS ? ` (first ${MAX_RENDERED_ROWS} shown; download for all)` : "");
      }
    }
    setStatus(`${summary} in ${Math.round(performance.now() - started)} ms`, "ok");
    lastQuery = query;
    $.download.disabled = false;
    // the address bar keeps the query, so a result can be shared as a link
    history.replaceState(null, "", `${location.pathname}?${new URLSearchParams({ query, run: "1" })}`);
  } catch (err) {
    if (err.name !== "AbortError") setStatus(`Could not run the query: ${err.message}`, "error");
  } finally {
    if (running === controller) {
      running = null;
      $.run.disabled = false;
    }
  }
}

const DOWNLOADS = {
  csv: ["text/csv", "csv"],
  tsv: ["text/tab-separated-values", "tsv"],
  json: ["application/sparql-results+json", "json"],
};

// Re-posts the last successful query in the chosen format and saves the answer.
async function download() {
  if (!lastQuery) return;
  const form = queryForm(lastQuery);
  // graphs only come as Turtle, and ASK answers only as JSON
  const [accept, ext] = isGraphForm(form) ? ["text/turtle", "ttl"] : DOWNLOADS[form === "ASK" ? "json" : $.format.value];
  $.download.disabled = true;
  try {
    const res = await post(lastQuery, accept);
    if (!res.ok) return setStatus(await problemText(res), "error");
    const url = URL.createObjectURL(await res.blob());
    const a = el("a", { href: url, download: `govgate-results.${ext}` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000); // once the save has started
  } catch (err) {
    setStatus(`Download failed: ${err.message}`, "error");
  } finally {
    $.download.disabled = false;
  }
}

function loadExample(index) {
  const ex = EXAMPLES[index];
  if (!ex) return false;
  $.examples.value = String(index);
  $.query.value = withPrefixes(ex.body);
  $.description.textContent = ex.description;
  return true;
}

// Tab indents by two spaces; after Esc the next Tab moves focus, so keyboard users are not trapped.
let tabReleased = false;
function onEditorKey(e) {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    run();
  } else if (e.key === "Escape") {
    tabReleased = true;
  } else if (e.key === "Tab" && !tabReleased && !e.shiftKey && !e.ctrlKey && !e.altKey && !e.metaKey) {
    e.preventDefault();
    // execCommand keeps the undo history; setRangeText is the fallback where it is gone
    if (!document.execCommand || !document.execCommand("insertText", false, "  ")) {
      $.query.setRangeText("  ", $.query.selectionStart, $.query.selectionEnd, "end");
    }
  } else if (e.key !== "Tab") {
    tabReleased = false;
  }
}

// Label search: one small SELECT over skos:prefLabel, skos:altLabel and rdfs:label.
let searchTimer = 0;
let searchSeq = 0;
async function search(text) {
  const needle = text.trim();
  const seq = ++searchSeq; // answers may arrive out of order; only the latest is shown
  if (needle.length < 2) {
    $.searchResults.replaceChildren();
    $.searchStatus.textContent = needle ? "Type at least 2 characters." : "";
    return;
  }
  const query = `PREFIX skos: <${PREFIXES.skos}>
PREFIX rdfs: <${PREFIXES.rdfs}>
SELECT DISTINCT ?s ?label WHERE {
  VALUES ?p { skos:prefLabel skos:altLabel rdfs:label }
  ?s ?p ?label .
  FILTER(isLiteral(?label) && CONTAINS(LCASE(STR(?label)), LCASE(${sparqlString(needle)})))
}
ORDER BY STRLEN(STR(?label)) ?label
LIMIT 50`;
  $.searchStatus.textContent = "Searching…";
  try {
    const res = await post(query, "application/sparql-results+json");
    const answer = res.ok ? await res.json() : await problemText(res);
    if (seq !== searchSeq) return;
    if (!res.ok) {
      $.searchStatus.textContent = answer;
      return;
    }
    const rows = answer.results.bindings;
    $.searchResults.replaceChildren(...rows.map(({ s, label }) => {
      const lang = label["xml:lang"];
      const text = el("span", { className: "hit-label", textContent: label.value });
      if (lang) text.lang = lang;
      return el("li", {}, text, " ", el("small", { className: "lang", textContent: lang ? "@" + lang : "(no language)" }),
        el("br"), termNode(s));
    }));
    $.searchStatus.textContent = rows.length === 50 ? "First 50 matches." : plural(rows.length, "match", "matches");
  } catch (err) {
    if (seq === searchSeq) $.searchStatus.textContent = `Search failed: ${err.message}`;
  }
}

function init() {
  const byId = (id) => document.getElementById(id);
  $ = {
    query: byId("query"), run: byId("run"), examples: byId("examples"), description: byId("example-description"),
    status: byId("status"), table: byId("results"), thead: byId("results").tHead, tbody: byId("results").tBodies[0],
    graph: byId("graph"), boolean: byId("boolean"), download: byId("download"), format: byId("download-format"),
    search: byId("search"), searchResults: byId("search-results"), searchStatus: byId("search-status"),
  };
  $.table.hidden = true;
  EXAMPLES.forEach((ex, i) => $.examples.append(new Option(`${i + 1}. ${ex.title}`, String(i))));
  $.examples.addEventListener("change", () => {
    if ($.examples.value === "") $.description.textContent = "";
    else loadExample(Number($.examples.value));
  });
  $.run.addEventListener("click", () => run());
  $.query.addEventListener("keydown", onEditorKey);
  $.download.addEventListener("click", download);
  $.search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => search($.search.value), 300);
  });
  $.search.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    clearTimeout(searchTimer);
    search($.search.value);
  });

  // ?query=… or ?example=n (0-based) preloads the editor; &run=1 runs at once, with no
  // timer or user action in between (a headless test loads /?example=0&run=1).
  const params = new URLSearchParams(location.search);
  let loaded = false;
  if (params.has("query")) {
    $.query.value = params.get("query");
    loaded = true;
  } else if (/^\d+$/.test(params.get("example") || "")) {
    loaded = loadExample(Number(params.get("example")));
  }
  if (loaded && params.get("run") === "1") run({ fromUser: false });
}

// The script is deferred, so this fires after it has run, once the DOM is parsed.
document.addEventListener("DOMContentLoaded", init);
