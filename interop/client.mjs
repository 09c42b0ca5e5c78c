// The official socket.io-client against a server under test, for pushbench's
// interop tests:
//
//   node client.mjs BASE_URL TRANSPORTS
//
// TRANSPORTS is "polling", "websocket" or "polling,websocket" (which must
// upgrade). The script connects, checks echo acks (text and binary), receives a
// broadcast it triggers through POST /publish, checks the /admin namespace's
// auth, disconnects, and prints one JSON line describing what it saw. It exits
// non-zero with the reason on the first failure.
import { io } from "socket.io-client";

const [base, transportList] = process.argv.slice(2);
const transports = transportList.split(",");
const report = { transports, steps: [] };
const fail = (msg) => { console.error(`FAIL: ${msg}`); console.log(JSON.stringify(report)); process.exit(1); };
setTimeout(() => fail(`timed out after: ${report.steps.join(", ")}`), 15000).unref();

const opts = { transports, reconnection: false, timeout: 5000 };
const socket = io(base, opts);
await new Promise((resolve, reject) => {
  socket.on("connect", resolve);
  socket.on("connect_error", (err) => reject(new Error(`connect_error: ${err.message}`)));
}).catch((e) => fail(e.message));
report.steps.push("connect");
if (!socket.id) fail("no socket id after connect");
report.sid = socket.id;

if (transports.length > 1) {
  const engine = socket.io.engine;
  if (engine.transport.name !== "websocket") {
    await new Promise((resolve) => engine.once("upgrade", resolve));
  }
  report.steps.push("upgrade");
}
report.transport = socket.io.engine.transport.name;

const echoed = await socket.timeout(5000).emitWithAck("echo", { hello: "world", n: 1 }).catch((e) => fail(`echo ack: ${e.message}`));
if (JSON.stringify(echoed) !== JSON.stringify({ hello: "world", n: 1 })) fail(`echo ack returned ${JSON.stringify(echoed)}`);
report.steps.push("echo");

const bin = await socket.timeout(5000).emitWithAck("echo", Buffer.from([1, 2, 3, 250])).catch((e) => fail(`binary echo ack: ${e.message}`));
if (!Buffer.isBuffer(bin) || !bin.equals(Buffer.from([1, 2, 3, 250]))) fail(`binary echo returned ${JSON.stringify(bin)}`);
report.steps.push("binary-echo");

const got = new Promise((resolve) => socket.on("msg", (env) => { if (env.topic === "interop") resolve(env); }));
const resp = await fetch(new URL("/publish", base), { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ seq: 7, ts: 1, topic: "interop", data: "broadcast" }) });
if (resp.status !== 202) fail(`publish answered ${resp.status}`);
const env = await got;
if (env.seq !== 7 || env.data !== "broadcast") fail(`broadcast arrived as ${JSON.stringify(env)}`);
report.steps.push("broadcast");

const admin = io(new URL("/admin", base).href, { ...opts, auth: { token: "ok" } });
await new Promise((resolve, reject) => { admin.on("connect", resolve); admin.on("connect_error", reject); })
  .catch((e) => fail(`admin connect: ${e.message}`));
const adminEcho = await admin.timeout(5000).emitWithAck("echo", "bar").catch((e) => fail(`admin echo: ${e.message}`));
if (adminEcho !== "bar") fail(`admin echo returned ${JSON.stringify(adminEcho)}`);
report.steps.push("namespace");

const refused = io(new URL("/admin", base).href, { ...opts, auth: { token: "wrong" } });
const err = await new Promise((resolve) => { refused.on("connect", () => resolve(null)); refused.on("connect_error", resolve); });
if (!err || err.message !== "Not authorized" || !err.data || err.data.reason !== "token") fail(`refused namespace gave ${err && err.message}`);
refused.close();
report.steps.push("refused");

const gone = new Promise((resolve) => socket.on("disconnect", resolve));
admin.disconnect();
socket.disconnect();
report.disconnectReason = await gone;
report.steps.push("disconnect");
console.log(JSON.stringify(report));
process.exit(0);
