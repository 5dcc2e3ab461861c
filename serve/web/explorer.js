// The explorer page (/): what a person watching a prover wants first (proven, proving with its
// pieces, queued, the proving rate against the chain's and the backlog), two small charts, then
// the blocks, paged and filtered by status. A block's proof is checked by the server's /verify
// and the report shown as a person reads it (a verifier in the browser itself is blocked today:
// docs/browser.md).
"use strict";
const PROVES = {
  execution: "A zkVM proof (OpenVM STARK) that the pinned guest re-executed every transaction of this block statelessly, from the parent's stateRoot to exactly this header's stateRoot, gas used and receipts.",
  state: "halo2 KZG proofs that this block's header chain and every account and storage slot it reads are what the parent's stateRoot commits to. It does not re-execute the transactions.",
};
const PAGE = 50, NEWEST = 500, STATUSES = ["all", "proven", "proving", "queued", "failed", "orphaned"];
let selected = null, rows = [], filter = "all", page = 0;
const history = []; // {t, proven, queued}: sampled at each refresh, for the rates and the chart.
const $ = (id) => document.getElementById(id);

function perHour(x) { return x >= 10 ? x.toFixed(0) : x.toFixed(1); }
function duration(hours) {
  const m = Math.round(hours * 60);
  return m < 60 ? `${m} min` : m < 48 * 60 ? `${(m / 60).toFixed(1)} h` : `${(m / 1440).toFixed(1)} days`;
}

// Blocks per hour the chain makes, from when the follower stored the newest canonical blocks.
function chainRate() {
  const seen = rows.filter((b) => b.canonical).slice(0, 50).map((b) => b.seen_at_ms);
  if (seen.length < 3) return null;
  const span = Math.max(...seen) - Math.min(...seen);
  return span > 0 ? ((seen.length - 1) * 3600000) / span : null;
}

// Blocks per hour proven: measured on this page once it has watched some proofs land, else
// estimated from recent prove times and the jobs proving now.
function provingRate() {
  const first = history.find((h) => history[history.length - 1].t - h.t <= 15 * 60000);
  const last = history[history.length - 1];
  if (first && last.proven > first.proven && last.t - first.t >= 60000) {
    return { rate: ((last.proven - first.proven) * 3600000) / (last.t - first.t), how: `measured over ${duration((last.t - first.t) / 3600000)}` };
  }
  const times = rows.filter((b) => b.status === "proven" && b.prove_ms).slice(0, 20).map((b) => b.prove_ms);
  if (!times.length) return null;
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const workers = Math.max(1, rows.filter((b) => b.status === "proving" && !b.lease_expired).length);
  return { rate: (workers * 3600000) / mean, how: `estimated: ${workers} job(s) at ${seconds(mean)} a block` };
}

function glance(health) {
  const c = health.counts || {};
  $("n-proven").textContent = c.proven ?? 0;
  $("n-proving").textContent = c.proving ?? 0;
  $("n-queued").textContent = c.queued ?? 0;
  $("n-failed").textContent = c.failed ?? 0;
  const newest = rows.find((b) => b.status === "proven");
  $("newest").textContent = newest ? `newest: block ${newest.number}` : "none yet";
  $("proving-now").textContent = rows.filter((b) => b.status === "proving").slice(0, 3).map((b) =>
    `block ${b.number}: ` + (b.lease_expired ? "stale lease" : b.pieces_total ? `${b.pieces_done}/${b.pieces_total} pieces` : (b.progress || "started"))).join(" · ");
  const chain = chainRate(), prove = provingRate();
  $("rates").textContent = `proving ${prove ? perHour(prove.rate) : "?"} blocks/h · chain ${chain ? perHour(chain) : "?"} blocks/h`;
  let backlog = prove ? prove.how : "no proof yet to measure by";
  if (prove && chain && (c.queued ?? 0) > 0) {
    backlog += prove.rate > chain ? ` · backlog of ${c.queued} cleared in about ${duration(c.queued / (prove.rate - chain))}`
      : ` · the backlog of ${c.queued} grows: proving is slower than the chain`;
  }
  $("backlog").textContent = backlog;
}

// Bars (prove time per block) or a line (queue depth over time) in an SVG, with its maximum.
function drawChart(svg, values, bars) {
  const w = svg.width.baseVal.value, h = svg.height.baseVal.value, max = Math.max(1, ...values);
  const ns = "http://www.w3.org/2000/svg", parts = [];
  const label = document.createElementNS(ns, "text");
  label.setAttribute("x", 4); label.setAttribute("y", 12); label.setAttribute("font-size", 10);
  label.textContent = values.length ? `max ${bars ? seconds(max) : max}` : "no data yet";
  values.forEach((v, i) => {
    const x = (i * w) / Math.max(values.length, 1), y = h - (v / max) * (h - 16);
    if (bars) {
      const r = document.createElementNS(ns, "rect");
      r.setAttribute("x", x + 1); r.setAttribute("y", y); r.setAttribute("width", Math.max(1, w / values.length - 2));
      r.setAttribute("height", h - y); r.setAttribute("fill", "#6a8fd8");
      parts.push(r);
    }
  });
  if (!bars && values.length > 1) {
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", values.map((v, i) => `${(i * w) / (values.length - 1)},${h - (v / max) * (h - 16)}`).join(" "));
    line.setAttribute("fill", "none"); line.setAttribute("stroke", "#a86400"); line.setAttribute("stroke-width", 2);
    parts.push(line);
  }
  svg.replaceChildren(label, ...parts);
}

function drawTable() {
  const shown = rows.filter((b) => filter === "all" || b.status === filter);
  const pages = Math.max(1, Math.ceil(shown.length / PAGE));
  page = Math.min(page, pages - 1);
  $("page-info").textContent = `${shown.length} block(s)${filter === "all" ? "" : " " + filter} of the newest ${rows.length}; page ${page + 1} of ${pages}`;
  $("prev").disabled = page === 0;
  $("next").disabled = page >= pages - 1;
  $("blocks").replaceChildren(...shown.slice(page * PAGE, (page + 1) * PAGE).map((b) => {
    const tr = el("tr", null, "block");
    tr.dataset.number = b.number;
    tr.dataset.status = b.status;
    const status = b.lease_expired ? "proving (stale lease: worker gone?)" : b.status;
    const pieces = b.pieces_total ? ` (${b.pieces_done}/${b.pieces_total} pieces)` : "";
    const note = (b.error || b.progress || (b.witness_pruned_at_ms ? "witness dropped by retention" : "")) + pieces;
    const cell = (text, cls) => el("td", text, cls);
    tr.append(cell(b.number), cell(b.hash.slice(0, 12) + "…"), cell(status, "status-" + b.status), cell(b.kind || ""),
      cell(b.transactions), cell(b.gas_used), cell(seconds(b.capture_ms)), cell(seconds(b.prove_ms)),
      cell(b.verify_ms == null ? "" : b.verify_ms + " ms"), cell(note));
    tr.addEventListener("click", () => show(b));
    return tr;
  }));
}

async function refresh() {
  try {
    const [health, list] = await Promise.all([fetch("/healthz").then((r) => r.json()), fetch(`/blocks?limit=${NEWEST}`).then((r) => r.json())]);
    rows = list.blocks;
    const c = health.counts || {};
    history.push({ t: Date.now(), proven: c.proven ?? 0, queued: c.queued ?? 0 });
    if (history.length > 1800) history.shift();
    $("insecure").hidden = !health.insecure_dev_params;
    $("problems").hidden = health.ok;
    $("problems").textContent = health.ok ? "" : "Not healthy: " + (health.problems || []).join("; ");
    $("node").textContent = `node head ${health.follower.node_head ?? "?"} · ${c.blocks ?? 0} blocks stored · proof kind ${health.proof_kind}` +
      (health.follower.node.last_error ? ` · node error: ${health.follower.node.last_error}` : "") +
      (health.follower.stuck ? ` · held at block ${health.follower.stuck.number}: ${health.follower.stuck.reason}` : "");
    glance(health);
    drawChart($("chart-prove"), rows.filter((b) => b.status === "proven" && b.prove_ms).slice(0, 40).reverse().map((b) => b.prove_ms), true);
    drawChart($("chart-queue"), history.slice(-200).map((h) => h.queued), false);
    drawTable();
  } catch (e) {
    $("node").textContent = "cannot reach the server: " + e;
  }
}

function show(b) {
  selected = b;
  $("detail").style.display = "block";
  $("detail-title").textContent = `Block ${b.number} (${b.status})`;
  $("detail-proves").textContent = (PROVES[b.kind] || "") + ` Block hash ${b.hash}, parent ${b.parent_hash}.`;
  $("verify").disabled = b.status !== "proven";
  $("verification").replaceChildren();
  $("report").textContent = "";
  delete $("report").dataset.isSuccess;
  showPieces(b.number);
}

// A split block's pieces: each segment and leaf with its state, worker and time.
async function showPieces(number) {
  const detail = await fetch(`/blocks/${number}`).then((r) => r.json()).catch(() => ({}));
  $("pieces").replaceChildren(...(detail.pieces || []).map((p) => el("div",
    `${p.part}: ${p.lease_expired ? "stale lease" : p.status}` + (p.worker ? ` · ${p.worker}` : "") + (p.prove_ms ? ` · ${seconds(p.prove_ms)}` : ""),
    "piece piece-" + p.status)));
}

$("verify").addEventListener("click", async () => {
  const box = $("verification");
  box.textContent = "verifying...";
  try {
    const proof = await fetch(`/blocks/${selected.number}/proof`).then((r) => r.ok ? r.arrayBuffer() : Promise.reject(new Error(r.statusText)));
    const started = performance.now();
    const report = await fetch(`/verify?block=${selected.number}`, { method: "POST", body: proof }).then((r) => r.json());
    renderVerification(box, { report, ms: performance.now() - started, by: "the server" }, $("report"));
  } catch (e) {
    renderVerification(box, { error: e.message }, $("report"));
  }
});

$("filters").replaceChildren(...STATUSES.map((s) => {
  const b = el("button", s, s === filter ? "on" : "");
  b.type = "button"; b.dataset.status = s;
  b.addEventListener("click", () => {
    filter = s; page = 0;
    for (const other of $("filters").children) other.className = other.dataset.status === s ? "on" : "";
    drawTable();
  });
  return b;
}));
$("prev").addEventListener("click", () => { page = Math.max(0, page - 1); drawTable(); });
$("next").addEventListener("click", () => { page += 1; drawTable(); });
refresh();
setInterval(refresh, 3000);
