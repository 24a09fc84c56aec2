import { Component, type ErrorInfo, type ReactNode } from 'react';

/** The last line of defence: a broken view offers a reload instead of a blank page. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('RtChat crashed', error, info.componentStack);
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="flex h-dvh flex-col items-center justify-center gap-4 p-6 text-center" role="alert">
        <h1 className="text-xl font-semibold">Something went wrong</h1>
        <p className="max-w-sm text-sm text-zinc-600 dark:text-zinc-400">
          The page hit an unexpected error. Your unsent messages are kept and will be sent after a reload.
        </p>
        <button type="button" className="btn-primary" onClick={() => location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}
