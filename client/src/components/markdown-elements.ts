import { createElement, type ReactNode } from 'react';
import type { Block, Inline } from '../lib/markdown';

/**
 * The Markdown tree as React elements, straight from lib/markdown.ts's nodes: no HTML strings, no
 * dangerouslySetInnerHTML. Only the element types of ALLOWED_ELEMENTS are ever created, and an
 * anchor's href is one the parser validated (http, https or mailto).
 */
export const ALLOWED_ELEMENTS = ['div', 'p', 'blockquote', 'pre', 'code', 'strong', 'em', 'del', 'a', 'span', 'br'] as const;
export const LINK_REL = 'noopener noreferrer nofollow ugc';

const LINK_CLASS = 'text-indigo-700 underline underline-offset-2 hover:text-indigo-900 dark:text-indigo-300 dark:hover:text-indigo-200';
const CODE_CLASS = 'rounded bg-zinc-100 px-1 py-0.5 font-mono text-[0.85em] dark:bg-zinc-800';

function inline(nodes: readonly Inline[]): ReactNode[] {
  return nodes.map((n, i) => {
    switch (n.t) {
      case 'text':
        return n.text;
      case 'br':
        return createElement('br', { key: i });
      case 'code':
        return createElement('code', { key: i, className: CODE_CLASS }, n.text);
      case 'strong':
        return createElement('strong', { key: i, className: 'font-semibold' }, ...inline(n.children));
      case 'em':
        return createElement('em', { key: i }, ...inline(n.children));
      case 'del':
        return createElement('del', { key: i }, ...inline(n.children));
      case 'link':
        return createElement('a', { key: i, href: n.href, target: '_blank', rel: LINK_REL, className: LINK_CLASS }, n.text);
      case 'mention':
        return createElement(
          'span',
          {
            key: i,
            'data-mention': n.mine ? 'me' : 'other',
            className: n.mine
              ? 'rounded bg-amber-200 px-0.5 font-semibold text-amber-950 dark:bg-amber-400/30 dark:text-amber-100'
              : 'rounded bg-indigo-100 px-0.5 font-medium text-indigo-900 dark:bg-indigo-500/25 dark:text-indigo-100',
          },
          `@${n.name}`,
        );
    }
  });
}

export function renderBlocks(blocks: readonly Block[]): ReactNode[] {
  return blocks.map((b, i) => {
    if (b.t === 'pre') {
      return createElement(
        'pre',
        { key: i, className: 'my-1 overflow-x-auto rounded-lg bg-zinc-100 p-2 font-mono text-[0.85em] leading-snug dark:bg-zinc-800/80' },
        createElement('code', null, b.text),
      );
    }
    if (b.t === 'quote') {
      return createElement(
        'blockquote',
        { key: i, className: 'my-1 border-l-4 border-zinc-300 pl-2 text-zinc-700 dark:border-zinc-600 dark:text-zinc-300' },
        ...inline(b.children),
      );
    }
    return createElement('p', { key: i, className: 'break-words whitespace-pre-wrap' }, ...inline(b.children));
  });
}
