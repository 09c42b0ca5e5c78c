// The official Node socket.io server with connection-state recovery on, for
// pushbench's reconnect interop tests and to capture its wire format.
//
//   node recovery_server.mjs [maxDisconnectionMs]
//
// Prints "listening on http://127.0.0.1:PORT" once ready. POST /publish
// with a JSON envelope broadcasts it as the event "msg" to every socket of
// "/" (recovery keeps what a disconnected socket missed); POST /kick ends
// every socket's underlying connection abruptly (a network drop, which
// recovery covers; a server-side disconnect() would not be recovered).
// With RAW_LOG=1 every Engine.IO packet in and out is printed as
// "in <sid> <packet>" / "out <sid> <packet>".
import { createServer } from "node:http";
import { Server } from "socket.io";

const maxDisconnectionDuration = Number(process.argv[2] || 120000);
const http = createServer();
const io = new Server(http, {
  connectionStateRecovery: { maxDisconnectionDuration, skipMiddlewares: true },
});

http.prependListener("request", (req, res) => {
  if (req.method !== "POST") return;
  if (req.url === "/kick") {
    for (const client of Object.values(io.engine.clients)) {
      const ws = client.transport.socket;
      if (ws && typeof ws.terminate === "function") ws.terminate();
      else client.onClose("transport error");
    }
    res.writeHead(204).end();
    return;
  }
  if (req.url !== "/publish") return;
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

if (process.env.RAW_LOG) {
  io.engine.on("connection", (client) => {
    client.on("packet", (p) => console.log(`in ${client.id} ${p.type} ${p.data ?? ""}`));
    client.on("packetCreate", (p) => console.log(`out ${client.id} ${p.type} ${p.data ?? ""}`));
  });
}

io.on("connection", (socket) => {
  console.log(`connection ${socket.id} recovered=${socket.recovered}`);
});

http.listen(0, "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${http.address().port}`);
});
process.on("SIGTERM", () => { io.close(); http.close(() => process.exit(0)); });
