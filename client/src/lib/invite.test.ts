import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { describeInviteError, inviteCodeFrom } from './invite';

describe('inviteCodeFrom', () => {
  it('takes a bare code, or the code out of a pasted invite link', () => {
    expect(inviteCodeFrom('  Ab3dE9  ')).toBe('Ab3dE9');
    expect(inviteCodeFrom('https://chat.example.org/join/Ab3dE9')).toBe('Ab3dE9');
    expect(inviteCodeFrom('http://localhost:3000/join/Ab%2D3/')).toBe('Ab-3');
    expect(inviteCodeFrom('/join/xyz?ref=mail')).toBe('xyz');
    expect(inviteCodeFrom('')).toBe('');
  });
});

describe('describeInviteError', () => {
  it('names invalid codes and rate limits clearly', () => {
    expect(describeInviteError(new ApiError(404, 'INVALID_INVITE', 'x'), 'code')).toMatch(/code is not valid/);
    expect(describeInviteError(new ApiError(404, 'INVALID_INVITE', 'x'), 'link')).toMatch(/link is not valid/);
    expect(describeInviteError(new ApiError(429, 'RATE_LIMITED', 'x', 42_100), 'code')).toBe(
      'Too many invite attempts. Please wait 43 s and try again.',
    );
    expect(describeInviteError(new ApiError(429, 'RATE_LIMITED', 'x'), 'link')).toMatch(/wait a minute/);
  });
});
