import { isApiError } from './api';

/**
 * What a person may type into the invite field: the bare code, or a whole invite link pasted
 * from a message (`https://host/join/CODE`); both give the code. Surrounding spaces never count.
 */
export function inviteCodeFrom(input: string): string {
  const text = input.trim();
  const m = /\/join\/([^/?#\s]+)\/?(?:[?#].*)?$/.exec(text);
  if (!m) return text;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1]!;
  }
}

/** Why joining by invite failed, in words, for a link that was opened or a code that was typed. */
export function describeInviteError(err: unknown, via: 'link' | 'code'): string {
  if (isApiError(err, 'INVALID_INVITE') || (isApiError(err) && err.status === 404)) {
    return via === 'link'
      ? 'This invite link is not valid. It may have been mistyped or revoked.'
      : 'That invite code is not valid. Check it for typos, or ask for a new one.';
  }
  if (isApiError(err, 'RATE_LIMITED')) {
    const secs = err.retryAfterMs ? Math.max(1, Math.ceil(err.retryAfterMs / 1000)) : null;
    return `Too many invite attempts. Please wait ${secs ? `${secs} s` : 'a minute'} and try again.`;
  }
  return isApiError(err) ? err.message : 'Could not join the room.';
}
