// A verifier's report (the server's /verify answer) as a person reads it: the verdict, what the
// proof proves, what the prover claims (unverified), and the raw report one click away.
"use strict";

// Milliseconds as the page shows them everywhere (the explorer uses it too); nothing for none.
function seconds(ms) { return ms == null ? "" : (ms / 1000).toFixed(ms < 10000 ? 2 : 0) + " s"; }

// An element with its text and class (the explorer uses it too).
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text != null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

// Renders a check's outcome into `box`: the verdict, what the proof proves, what the prover
// claims (unverified); the raw report goes into `rawPre` (one click away on the page), which
// then carries data-is-success.
function renderVerification(box, outcome, rawPre) {
  box.replaceChildren();
  const verdict = el("div", null, "verdict");
  box.append(verdict);
  if (outcome.error) {
    verdict.classList.add("bad");
    verdict.textContent = "✗ Could not verify: " + outcome.error;
    box.dataset.verified = "false";
    return;
  }
  const r = outcome.report;
  box.dataset.verified = String(r.is_success);
  verdict.classList.add(r.is_success ? "good" : "bad");
  verdict.textContent = r.is_success
    ? `✓ Verified by ${outcome.by} in ${seconds(outcome.ms)}` +
      (r.witness_matched ? ", and it is of exactly this block's witness" : "")
    : "✗ Not verified: " + r.message.replace(/^invalid: /, "");
  rawPre.textContent = JSON.stringify(r, null, 2);
  rawPre.dataset.isSuccess = String(r.is_success);
  const x = r.execution;
  if (r.is_success && x) {
    const dl = el("dl", null, "proves");
    const row = (k, v) => { dl.append(el("dt", k), el("dd", v)); };
    row("Block", `${r.block_number} (${r.block_hash}) on chain ${r.chain_id}`);
    row("From parent stateRoot", x.parent_state_root);
    row("To stateRoot", x.state_root);
    row("Rules", x.fork + (x.zero_slot_leaves ? " (with anvil's rule for cleared slots, not Ethereum's)" : ""));
    row("Transactions", String(x.transactions));
    row("Gas used", Number(x.gas_used).toLocaleString("en-US"));
    row("Guest image", x.image_id);
    row("zkVM", x.zkvm);
    box.append(el("p", "What this proves: every transaction of this block re-executes, statelessly, from the parent stateRoot to this stateRoot, in the pinned guest image. The server's verifier checked it with the image id and verifying key built into it: run `prover_cmd verifier` on the downloaded file to check it without trusting the server."), dl);
    const c = x.prover_claims_unverified;
    box.append(el("p", `The prover's claims, which the proof does not bind (not verified): ${Number(c.instructions).toLocaleString("en-US")} instructions, ${c.segments} segment(s), proved in ${c.timings.prove.toFixed(1)} s by ${c.prover}.`, "claims"));
  }
  if (r.is_success && r.state) {
    box.append(el("p", r.message.replace(/^valid: /, "What this proves: ")));
  }
}
