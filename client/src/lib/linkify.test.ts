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

  it('links bare www. hosts as https, without trailing punctuation', () => {
    expect(linkify('see www.example.org.')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'www.example.org', href: 'https://www.example.org/' },
      { kind: 'text', text: '.' },
    ]);
    expect(linkify('(www.example.org/a/b?c=1#d), ok')[1]).toEqual({
      kind: 'link',
      text: 'www.example.org/a/b?c=1#d',
      href: 'https://www.example.org/a/b?c=1#d',
    });
    expect(linkify('WWW.Example.ORG!')[0]).toMatchObject({ kind: 'link', text: 'WWW.Example.ORG', href: 'https://www.example.org/' });
    // The scheme-prefixed form is one link, not two.
    expect(linkify('http://www.example.org')).toEqual([{ kind: 'link', text: 'http://www.example.org', href: 'http://www.example.org/' }]);
  });

  it('does not link www. inside other words, addresses or without a real host', () => {
    for (const text of ['me@www.example.org', 'a.www.example.org', 'path/www.example.org', 'www.', 'www.example', 'www..org', 'wwww.example.org']) {
      expect(linkify(text).some((p) => p.kind === 'link'), text).toBe(false);
    }
  });

  it('validates hrefs', () => {
    expect(safeHref('javascript:alert(1)')).toBeNull();
    expect(safeHref('data:text/html,hi')).toBeNull();
    expect(safeHref('not a url')).toBeNull();
    expect(safeHref('HTTPS://Example.com')).toBe('https://example.com/');
  });
});
