/**
 * The Socket.IO peer: the same broadcast (every `m` event is emitted to every client), websocket
 * transport only.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.env.PORT ?? 0);
const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false, maxHttpBufferSize: 64 * 1024 });
io.on('connection', (socket) => {
  socket.on('m', (data) => io.emit('m', data));
});
http.listen(port, '127.0.0.1', () => process.send?.({ listening: http.address().port }));
process.on('SIGTERM', () => process.exit(0));
