/**
 * The logger's serializers. Errors: what an error looks like in the log, everywhere (request log,
 * message writer, realtime). It never writes query parameters or row values: a failed batch
 * insert carries every message body of the batch, and private rooms' text must not end up in a
 * log file. Dropped: Drizzle's `params` (and the "params: …" line of its message and stack),
 * `parameters`, and the driver's `detail`/`where` (they quote the failing row). Kept: the type,
 * the message, the stack, the SQLSTATE and which constraint/table/column, and the cause chain.
 * Requests: invite codes in `/join/<code>` URLs are masked (the code is the key to a private room).
 */

const KEPT_FIELDS = ['code', 'errno', 'syscall', 'severity', 'constraint', 'table', 'column', 'schema', 'routine', 'statusCode'] as const;
const MAX_DEPTH = 5;

/** Drizzle's DrizzleQueryError message is "Failed query: <sql>\nparams: <values>". */
function withoutParams(text: string): string {
  const at = text.indexOf('\nparams:');
  return at === -1 ? text : text.slice(0, at);
}

export interface SerializedError {
  type: string;
  message: string;
  stack: string;
  [key: string]: unknown;
}

export function serializeError(err: unknown, depth = 0): SerializedError {
  if (!(err instanceof Error)) return { type: typeof err, message: withoutParams(String(err)), stack: '' };
  const message = withoutParams(err.message);
  const type = err.name || 'Error';
  // The stack starts with "<name>: <message>", parameters included: only its frames are kept.
  const frames = err.stack?.indexOf('\n    at ') ?? -1;
  const out: SerializedError = { type, message, stack: `${type}: ${message}${frames === -1 ? '' : err.stack!.slice(frames)}` };
  const fields = err as unknown as Record<string, unknown>;
  for (const key of KEPT_FIELDS) {
    const value = fields[key];
    if (typeof value === 'string' || typeof value === 'number') out[key] = value;
  }
  if (typeof fields.query === 'string') out.query = fields.query; // SQL text with $n placeholders only
  if (depth < MAX_DEPTH) {
    if (err.cause !== undefined) out.cause = serializeError(err.cause, depth + 1);
    if (err instanceof AggregateError) out.errors = err.errors.slice(0, 5).map((e) => serializeError(e, depth + 1));
  }
  return out;
}

/** An invite link's path holds the code that opens a private room. */
const INVITE_PATH = /^\/join\/[^/?#]+/;

interface LoggedRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number } | null;
}

/** The logger's request serializer: Fastify's fields, with invite codes in URLs masked. */
export function serializeRequest(req: LoggedRequest): Record<string, unknown> {
  return {
    method: req.method,
    url: req.url.replace(INVITE_PATH, '/join/…'),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}
