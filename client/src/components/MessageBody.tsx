import { createElement, memo, useMemo } from 'react';
import { parseMarkdown } from '../lib/markdown';
import { renderBlocks } from './markdown-elements';

/**
 * Message text with the safe Markdown subset (lib/markdown.ts): markup of any other kind is
 * shown as text, never executed. `me` is the reader's username: their mentions (and @room) stand out.
 */
export const MessageBody = memo(function MessageBody({ text, me }: { text: string; me?: string }) {
  const blocks = useMemo(() => {
    const mine = me?.toLowerCase();
    return parseMarkdown(text, { isMe: (name) => name.toLowerCase() === mine || name.toLowerCase() === 'room' }).blocks;
  }, [text, me]);
  return createElement(
    'div',
    { className: 'text-[0.9375rem] leading-relaxed break-words', 'data-testid': 'message-body' },
    ...renderBlocks(blocks),
  );
});
