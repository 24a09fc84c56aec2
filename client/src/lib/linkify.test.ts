import { describe, expect, it } from 'vitest';
import { linkify, safeHref } from './linkify';

describe('linkify', () => {
  it('keeps markup as plain text', () => {
    expect(linkify('<img src=x onerror=alert(1)>')).toEqual([{ kind: 'text', text: '<img src=x onerror=alert(1)>' }]);
  });

  it('links only http and https URLs', () => {
    const parts = linkify('see https://example.com/a?b=1, javascript:alert(1) and ftp://x.y');
    expect(parts).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { kind: 'text', text: ', javascript:alert(1) and ftp://x.y' },
    ]);
  });

  it('leaves trailing punctuation out of the link but keeps balanced brackets', () => {
    expect(linkify('(http://a.example/x).')[1]).toMatchObject({ kind: 'link', text: 'http://a.example/x' });
    expect(linkify('http://en.example.org/wiki/Foo_(bar)')[0]).toMatchObject({
      text: 'http://en.example.org/wiki/Foo_(bar)',
    });
  });

  it('validates hrefs', () => {
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('data:text/html,hi')).toBeNull();
    expect(safeHref('not a url')).toBeNull();
    expect(safeHref('HTTPS://Example.com')).toBe('https://example.com/');
  });
});
