import type { ReactNode } from 'react';

/** A full-height panel with its content centred (not found, errors, join). */
export function Centered({ children }: { children: ReactNode }) {
  return <div className="flex h-full flex-col items-center justify-center p-6 text-center">{children}</div>;
}
