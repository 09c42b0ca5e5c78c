// Package servers is pushbench's reference server: one broadcast hub behind
// every push transport (chunked HTTP, SSE, WebSocket, Socket.IO), a publish
// endpoint and a built-in generator.
//
// Every broadcast goes through Server.Broadcast, which gives it the server's
// event id (decimal, strictly increasing, counting up from the process start
// in Unix microseconds or from the last id in the replay file) and keeps it in
// a replay buffer bounded by Config.ReplayLen and Config.ReplayBytes. An SSE
// request with Last-Event-ID (or ?lastEventId=) is first sent the buffered
// events after that id, then the live stream, with no gap and no duplicate.
// When the id is older than the buffer or not one of the server's, the replay
// is preceded by a wire.SSEGapEvent ("pushbench-gap") whose data is
// {"last_event_id":"...","oldest_id":"..."} and whose id is oldest_id - 1.
// With Config.ReplayFile the buffer also lives in a file, so a server killed
// outright and started again on it resumes SSE clients without loss. During
// shutdown SSE requests get 204, which stops an EventSource reconnecting.
package servers
