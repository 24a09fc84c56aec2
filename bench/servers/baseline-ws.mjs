/**
 * The baseline: a minimal `ws` broadcast server. No auth, no storage: every frame received is
 * sent to every client with a plain `socket.send` loop.
 */
import { WebSocketServer } from 'ws';

const port = Number(process.env.PORT ?? 0);
const wss = new WebSocketServer({ host: '127.0.0.1', port, maxPayload: 64 * 1024 });
wss.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => {
    for (const client of wss.clients) client.send(data, { binary: isBinary });
  });
  socket.on('error', () => undefined);
});
wss.on('listening', () => process.send?.({ listening: wss.address().port }));
process.on('SIGTERM', () => process.exit(0));
