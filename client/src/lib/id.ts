/** A clientMsgId: random, printable ASCII, works outside secure contexts (no randomUUID needed). */
export function newClientMsgId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return `c${Date.now().toString(36)}-${hex}`;
}
