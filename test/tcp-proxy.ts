/**
 * A TCP proxy the test controls, to stage database outages: `forward` (normal), `refuse` (the port
 * is closed and every open connection is cut: ECONNREFUSED / "Connection terminated") and
 * `blackhole` (connections are accepted and bytes swallowed, nothing ever answers).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export type ProxyMode = 'forward' | 'refuse' | 'blackhole';

export class TcpProxy {
  private mode: ProxyMode = 'forward';
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async setMode(mode: ProxyMode): Promise<void> {
    const was = this.mode;
    this.mode = mode;
    if (mode === 'refuse' && this.server) {
      const server = this.server;
      this.server = null;
      this.cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (mode !== 'refuse' && was === 'refuse') await this.start();
  }

  async close(): Promise<void> {
    this.cutAll();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private cutAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
  }

  private accept(client: Socket): void {
    this.track(client);
    if (this.mode === 'blackhole') return; // held open, never answered
    const upstream = connect(this.targetPort, this.targetHost);
    this.track(upstream);
    // Bytes flow only while forwarding: a black hole swallows them on open connections too.
    client.on('data', (chunk) => this.mode === 'forward' && upstream.write(chunk));
    upstream.on('data', (chunk) => this.mode === 'forward' && client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  }
}
