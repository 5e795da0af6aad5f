// The storefront's script: plain JavaScript, no build step. Each page's
// part runs by the body's data-page. Every POST carries the page's CSRF
// token; the payment request carries one Idempotency-Key per checkout
// attempt, kept in sessionStorage, so that a double click or a reload
// gets the same payment back instead of a second one.
"use strict";

const csrf = document.body.dataset.csrf;

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// post sends a JSON body and returns {status, body}.
async function post(path, body, headers) {
  const res = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: Object.assign({ "Content-Type": "application/json", "X-CSRF-Token": csrf }, headers || {}),
    body: JSON.stringify(body),
  });
  let data = {};
  try {
    data = await res.json();
  } catch (e) {
    data = {};
  }
  return { status: res.status, body: data };
}

function problemText(r) {
  const b = r.body || {};
  return [b.title, b.detail].filter(Boolean).join(": ") || "Something went wrong (" + r.status + ").";
}

// --- one checkout attempt, one key ---------------------------------------------

function attemptName(product) {
  return "switchboard.attempt." + product;
}

function newKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function attemptKey(product, fresh) {
  let key = fresh ? null : sessionStorage.getItem(attemptName(product));
  if (!key) {
    key = newKey();
    sessionStorage.setItem(attemptName(product), key);
  }
  return key;
}

function endAttempt(product) {
  if (product) {
    sessionStorage.removeItem(attemptName(product));
  }
}

// createPayment posts the payment of this attempt. The same key gives the
// same payment: while the first request runs the server answers 409, and
// the page asks again; a key already used for other details (the buyer
// changed the email) gets a new key, since that is a new attempt.
async function createPayment(product, body) {
  let key = attemptKey(product, false);
  for (let i = 0; i < 40; i++) {
    const r = await post("/shop/api/pay", body, { "Idempotency-Key": key });
    if (r.status === 409) {
      await sleep(250);
      continue;
    }
    if (r.status === 422 && i === 0) {
      key = attemptKey(product, true);
      continue;
    }
    return r;
  }
  return { status: 409, body: { title: "The payment is still being created", detail: "try again in a moment" } };
}

// --- the checkout page -----------------------------------------------------------

function checkoutPage() {
  const form = document.getElementById("checkout-form");
  const pay = document.getElementById("pay");
  const error = document.getElementById("form-error");
  const product = form.dataset.product;
  const provider = document.body.dataset.provider;
  let busy = false;
  let stripe = null;
  let elements = null;
  let returnURL = "";

  function fail(text) {
    error.textContent = text;
    error.hidden = false;
    busy = false;
    pay.disabled = false;
    pay.removeAttribute("aria-busy");
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (busy) {
      return; // a second click while the first is on its way
    }
    busy = true;
    pay.disabled = true;
    pay.setAttribute("aria-busy", "true");
    error.hidden = true;
    const email = form.elements.email.value.trim();
    const phone = form.elements.phone.value.trim();
    if (!email || !form.elements.email.checkValidity()) {
      fail("Enter the email address the receipt goes to.");
      form.elements.email.focus();
      return;
    }
    try {
      if (stripe && elements) {
        // Second step in Stripe mode: confirm with the Payment Element.
        const res = await stripe.confirmPayment({ elements, confirmParams: { return_url: location.origin + returnURL } });
        fail(res.error ? res.error.message : "The payment could not be confirmed.");
        return;
      }
      const card = form.elements.card ? form.elements.card.value.trim() : "";
      if (form.elements.card && !card) {
        fail("Enter one of the test card numbers.");
        form.elements.card.focus();
        return;
      }
      const r = await createPayment(product, phone ? { product, email, phone } : { product, email });
      if (r.status !== 201 && r.status !== 200) {
        fail(problemText(r));
        return;
      }
      const p = r.body;
      returnURL = p.return_url;
      if (p.provider === "paystack" && p.authorization_url) {
        location.assign(p.authorization_url);
        return;
      }
      if (p.provider === "stripe") {
        if (typeof Stripe !== "function" || !form.dataset.stripeKey) {
          fail("Stripe's payment form is not available.");
          return;
        }
        stripe = Stripe(form.dataset.stripeKey);
        elements = stripe.elements({ clientSecret: p.client_secret });
        elements.create("payment").mount("#payment-element");
        pay.textContent = "Pay now";
        busy = false;
        pay.disabled = false;
        pay.removeAttribute("aria-busy");
        return;
      }
      const c = await post("/shop/api/sandbox/confirm", { payment_id: p.payment_id, client_secret: p.client_secret || "", card });
      if (c.status !== 200) {
        fail(problemText(c));
        return;
      }
      location.assign(c.body.next);
    } catch (e) {
      fail("The shop could not be reached. Check the connection and press Pay again: you will not pay twice.");
    }
  });
}

// --- the sandbox's 3-D Secure page ------------------------------------------------

function authenticatePage() {
  const box = document.getElementById("authenticate");
  const error = document.getElementById("form-error");
  const buttons = box.querySelectorAll("button");
  async function answer(result) {
    buttons.forEach((b) => (b.disabled = true));
    try {
      const r = await post("/shop/api/sandbox/authenticate", { payment_id: box.dataset.paymentId, result });
      if (r.status === 200) {
        location.assign(r.body.next);
        return;
      }
      error.textContent = problemText(r);
    } catch (e) {
      error.textContent = "The shop could not be reached; try again.";
    }
    error.hidden = false;
    buttons.forEach((b) => (b.disabled = false));
  }
  document.getElementById("auth-complete").addEventListener("click", () => answer("complete"));
  document.getElementById("auth-fail").addEventListener("click", () => answer("fail"));
}

// --- the return page: processing until the webhook made the order -----------------

function returnPage() {
  const box = document.getElementById("payment-status");
  const id = box.dataset.paymentId;
  const show = (name) => {
    for (const el of box.querySelectorAll(".state")) {
      el.hidden = el.id !== "state-" + name;
    }
  };
  let delay = 500;
  async function poll() {
    let st = null;
    try {
      const res = await fetch("/shop/api/payments/" + encodeURIComponent(id), { credentials: "same-origin" });
      if (res.ok) {
        st = await res.json();
      }
    } catch (e) {
      st = null;
    }
    if (st && st.state === "paid") {
      endAttempt(st.product || box.dataset.product);
      document.getElementById("order-id").textContent = "#" + st.order_id;
      const receipt = document.getElementById("receipt");
      if (st.receipt === "sent") {
        receipt.textContent = "Receipt sent to " + st.receipt_to + ".";
      } else if (st.receipt === "logged") {
        receipt.textContent = "Receipt written to the app's log for " + st.receipt_to + " (set SMTP_URL to email it).";
      } else {
        receipt.textContent = "Sending the receipt to " + st.receipt_to + "…";
      }
      show("paid");
      box.dataset.state = st.receipt ? "paid" : "paid-sending";
      if (st.receipt) {
        return;
      }
    } else if (st && (st.state === "declined" || st.state === "canceled")) {
      endAttempt(st.product || box.dataset.product);
      document.getElementById("decline-reason").textContent = st.reason || "";
      document.getElementById("retry").href = st.retry_path || "/";
      show("declined");
      box.dataset.state = st.state;
      return;
    } else {
      show("processing");
      box.dataset.state = "processing";
    }
    setTimeout(poll, delay);
    delay = Math.min(delay * 1.3, 3000);
  }
  poll();
}

// --- the deliveries page -----------------------------------------------------------

function deliveriesPage() {
  const table = document.getElementById("deliveries");
  const tbody = document.getElementById("deliveries-body");
  const sandboxURL = table.dataset.sandboxUrl;

  function cell(row, text) {
    const td = document.createElement("td");
    if (text !== undefined) {
      td.textContent = text;
    }
    row.appendChild(td);
    return td;
  }

  function render(list) {
    const rows = [];
    if (list.length === 0) {
      const tr = document.createElement("tr");
      tr.className = "empty";
      const td = cell(tr, "No deliveries yet. Buy something, or send one with the CLI.");
      td.colSpan = 4;
      rows.push(tr);
    }
    for (const d of list) {
      const tr = document.createElement("tr");
      tr.className = "delivery " + d.outcome;
      tr.dataset.seq = d.seq;
      cell(tr, new Date(d.at).toLocaleTimeString());
      cell(tr, d.provider);
      cell(tr, d.worker ? "queue worker" : d.status_code + " " + d.outcome + (d.reason ? ": " + d.reason : ""));
      const events = cell(tr);
      for (const e of d.events) {
        const div = document.createElement("div");
        div.className = "event";
        div.dataset.eventId = e.id;
        const o = document.createElement("span");
        o.className = "outcome " + e.outcome;
        o.textContent = e.outcome;
        div.append(o, " " + e.type + " ");
        const code = document.createElement("code");
        code.textContent = e.id;
        div.appendChild(code);
        if (d.provider === "sandbox" && sandboxURL && e.id && e.outcome === "processed") {
          const pre = document.createElement("pre");
          pre.className = "command";
          pre.textContent = "go run ./cmd/switchboard webhooks send -p standardwebhooks -s \"$SANDBOX_WEBHOOK_SECRET\" --id " +
            e.id + " --type " + e.type + " --repeat 3 " + sandboxURL;
          div.appendChild(pre);
        }
        events.appendChild(div);
      }
      rows.push(tr);
    }
    tbody.replaceChildren(...rows);
  }

  async function refresh() {
    try {
      const res = await fetch("/shop/api/deliveries", { credentials: "same-origin" });
      if (res.ok) {
        render(await res.json());
      }
    } catch (e) {
      // the next refresh tries again
    }
    setTimeout(refresh, 2000);
  }
  refresh();
}

const pages = { checkout: checkoutPage, authenticate: authenticatePage, return: returnPage, deliveries: deliveriesPage };
const run = pages[document.body.dataset.page];
if (run) {
  run();
}
