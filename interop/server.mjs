// The official Node socket.io server, for pushbench's interop tests: the load
// generator's Socket.IO client must work against it.
//
//   node server.mjs [pingIntervalMs] [pingTimeoutMs]
//
// Prints "listening on http://127.0.0.1:PORT" once ready. Namespace "/" answers
// the event "echo" through its ack (or by emitting "echo" back); "/admin"
// requires auth {token: "ok"}. POST /publish with a JSON envelope broadcasts it
// as the event "msg" to every socket of "/", like pushbench's reference server.
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
