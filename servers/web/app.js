// pushbench demo page: one panel per push transport, each fed by the browser's
// own API. window.pushbench records what arrived so automated browser tests can
// check every transport received every message, in order.
"use strict";

const state = (window.pushbench = { ready: {}, received: {}, errors: [] });

function panel(name) {
  const root = document.getElementById(name);
  root.insertAdjacentHTML("beforeend",
    '<div>State: <span class="state connecting">connecting</span></div>' +
    "<dl><dt>messages</dt><dd class=count>0</dd><dt>last seq</dt><dd class=seq>-</dd>" +
    "<dt>latency</dt><dd class=lat>-</dd></dl><ol reversed></ol>");
  state.ready[name] = false;
  state.received[name] = [];
  const el = (sel) => root.querySelector(sel);
  return {
    open() { state.ready[name] = true; el(".state").className = "state open"; el(".state").textContent = "open"; },
    fail(msg) {
      state.ready[name] = false;
      state.errors.push(name + ": " + msg);
      el(".state").className = "state error";
      el(".state").textContent = msg;
    },
    message(env) {
      if (typeof env === "string") {
        try { env = JSON.parse(env); } catch (e) { this.fail("bad message: " + e.message); return; }
      }
      state.received[name].push({ seq: env.seq, topic: env.topic || "" });
      el(".count").textContent = state.received[name].length;
      el(".seq").textContent = env.seq;
      // Wall-clock latency, for display only: the browser's and the publisher's
      // clocks may differ. pushbench run measures on one monotonic clock.
      el(".lat").textContent = (Date.now() - env.ts / 1e6).toFixed(1) + " ms";
      const li = document.createElement("li");
      li.textContent = `#${env.seq} ${env.topic || ""} ${String(env.data).slice(0, 24)}`;
      const list = el("ol");
      list.prepend(li);
      while (list.children.length > 50) list.lastChild.remove();
    },
  };
}

// Chunked HTTP: read the growing responseText at readyState 3 and split it
// into NDJSON lines, keeping the unterminated tail for the next event.
function chunked() {
  const p = panel("chunked");
  const xhr = new XMLHttpRequest();
  let offset = 0;
  let tail = "";
  const consume = () => {
    const text = xhr.responseText;
    const fresh = tail + text.slice(offset);
    offset = text.length;
    const lines = fresh.split("\n");
    tail = lines.pop();
    for (const line of lines) if (line.trim() !== "") p.message(line);
  };
  xhr.onreadystatechange = () => {
    if (xhr.readyState === 2) {
      if (xhr.status === 200) p.open(); else p.fail("HTTP " + xhr.status);
    }
    if (xhr.readyState >= 3) consume();
    if (xhr.readyState === 4) p.fail("stream ended");
  };
  xhr.onprogress = consume;
  xhr.onerror = () => p.fail("network error");
  xhr.open("GET", "/chunked");
  xhr.send();
}

function sse() {
  const p = panel("sse");
  const es = new EventSource("/sse");
  es.onopen = () => p.open();
  es.onmessage = (e) => p.message(e.data);
  es.onerror = () => p.fail(es.readyState === EventSource.CLOSED ? "closed" : "reconnecting");
}

function ws() {
  const p = panel("ws");
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
  const sock = new WebSocket(url);
  sock.onopen = () => p.open();
  sock.onmessage = (e) => p.message(e.data);
  sock.onclose = (e) => p.fail("closed " + e.code);
}

function socketio() {
  const p = panel("socketio");
  /* global io */
  const sock = io({ transports: ["polling", "websocket"] });
  sock.on("connect", () => p.open());
  sock.on("msg", (env) => p.message(env));
  sock.on("connect_error", (e) => p.fail("connect_error: " + e.message));
  sock.on("disconnect", (reason) => p.fail("disconnected: " + reason));
  state.socketio = sock;
}

document.getElementById("publish").addEventListener("submit", (e) => {
  e.preventDefault();
  fetch("/publish", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ topic: "page", data: document.getElementById("text").value }) })
    .then(async (resp) => { if (!resp.ok) state.errors.push("publish: " + resp.status + " " + (await resp.text()).trim()); })
    .catch((err) => state.errors.push("publish: " + err.message));
});

chunked();
sse();
ws();
socketio();
