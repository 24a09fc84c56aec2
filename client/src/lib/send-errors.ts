/** What the user reads on a message the server refused, by the contract's error code. */
export function describeSendError(code: string, message: string, retryAfterMs?: number): string {
  switch (code) {
    case 'RATE_LIMITED': {
      const secs = retryAfterMs ? Math.max(1, Math.ceil(retryAfterMs / 1000)) : null;
      return secs ? `Too fast: try again in ${secs} s` : 'Too fast: try again in a moment';
    }
    case 'MESSAGE_TOO_LONG':
      return 'Too long to send';
    case 'UNAVAILABLE':
      return 'Server busy: not sent';
    case 'NOT_A_MEMBER':
    case 'ROOM_NOT_FOUND':
      return 'You are not in this room';
    default:
      return message || 'Not sent';
  }
}
