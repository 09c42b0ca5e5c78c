// ws_echo.mjs: the WebSocket echo server of make compare-peers, on the
// pinned Node `ws` package: every message goes back as it came. Listens on
// 127.0.0.1 only; prints "listening on PORT" once ready.
import { WebSocketServer } from "ws";

const port = Number(process.argv[2] ?? 0);
const wss = new WebSocketServer({ host: "127.0.0.1", port });
wss.on("connection", (ws) => {
  ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
});
wss.on("listening", () => console.log(`listening on ${wss.address().port}`));
process.on("SIGTERM", () => process.exit(0));
