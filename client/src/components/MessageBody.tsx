import { memo } from 'react';
import { linkify } from '../lib/linkify';

/** Message text as text: markup is shown, never executed; only http(s) links become anchors. */
export const MessageBody = memo(function MessageBody({ text }: { text: string }) {
  const parts = linkify(text);
  return (
    <p className="text-[0.9375rem] leading-relaxed break-words whitespace-pre-wrap" data-testid="message-body">
      {parts.map((p, i) =>
        p.kind === 'text' ? (
          <span key={i}>{p.text}</span>
        ) : (
          <a
            key={i}
            href={p.href}
            target="_blank"
            rel="noopener noreferrer nofollow"
            className="text-indigo-700 underline underline-offset-2 hover:text-indigo-900 dark:text-indigo-300 dark:hover:text-indigo-200"
          >
            {p.text}
          </a>
        ),
      )}
    </p>
  );
});
