// sio_echo.mjs: the Socket.IO echo server of make compare-peers, on the
// pinned official `socket.io` package: an `echo` event is acknowledged with
// its own arguments. Listens on 127.0.0.1 only; prints "listening on PORT".
import { createServer } from "node:http";
import { Server } from "socket.io";

const port = Number(process.argv[2] ?? 0);
const http = createServer();
const io = new Server(http);
io.on("connection", (socket) => {
  socket.on("echo", (...args) => {
    const ack = args.pop();
    if (typeof ack === "function") ack(...args);
  });
});
http.listen(port, "127.0.0.1", () => console.log(`listening on ${http.address().port}`));
process.on("SIGTERM", () => process.exit(0));
