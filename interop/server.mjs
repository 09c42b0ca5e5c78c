// The official Node socket.io server, for pushbench's interop tests: the load
// generator's Socket.IO client must work against it.
//
//   node server.mjs [pingIntervalMs] [pingTimeoutMs]
//
// Prints "listening on http://127.0.0.1:PORT" once ready. Namespace "/" answers
// the event "echo" through its ack (or by emitting "echo" back); "/admin"
// requires auth {token: "ok"}. POST /publish with a JSON envelope broadcasts it
// as the event "msg" to every socket of "/", like pushbench's reference server.
//
// Two apps of the kind teams write, for testing pushbench against formats it
// did not define: namespace "/clock" emits the event "time" with
// {t: <ms since 1970>, n: <count>} to each socket every 20 ms, starting 300 ms
// after it connects; the event "chat" on "/" is a chat room that rebroadcasts
// {from: <socket id>, text: <what was sent>} as "chat" to every socket; the
// event "say" is answered to its sender alone as "said" with {text}.
import { createServer } from "node:http";
import { Server } from "socket.io";

const pingInterval = Number(process.argv[2] || 25000);
const pingTimeout = Number(process.argv[3] || 20000);

const http = createServer();
const io = new Server(http, { pingInterval, pingTimeout, cors: { origin: "*" } });

http.prependListener("request", (req, res) => {
  if (req.method !== "POST" || req.url !== "/publish") return;
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    try {
      io.emit("msg", JSON.parse(body));
      res.writeHead(202).end();
    } catch (err) {
      res.writeHead(400).end(String(err));
    }
  });
});

io.on("connection", (socket) => {
  socket.on("echo", (...args) => {
    const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
    if (ack) ack(...args);
    else socket.emit("echo", ...args);
  });
});

io.on("connection", (socket) => {
  socket.on("chat", (text) => io.emit("chat", { from: socket.id, text }));
  socket.on("say", (text) => socket.emit("said", { text }));
});

io.of("/clock").on("connection", (socket) => {
  let n = 0;
  let timer = null;
  const start = setTimeout(() => {
    timer = setInterval(() => socket.emit("time", { t: Date.now(), n: ++n }), 20);
  }, 300);
  socket.on("disconnect", () => { clearTimeout(start); clearInterval(timer); });
});

io.of("/admin").use((socket, next) => {
  if (socket.handshake.auth && socket.handshake.auth.token === "ok") return next();
  const err = new Error("Not authorized");
  err.data = { reason: "token" };
  next(err);
});
io.of("/admin").on("connection", (socket) => {
  socket.on("echo", (...args) => {
    const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
    if (ack) ack(...args);
  });
});

http.listen(0, "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${http.address().port}`);
});
process.on("SIGTERM", () => { io.close(); http.close(() => process.exit(0)); });
