/**
 * Shares one in-flight call among callers asking the same thing at the same time: while a call
 * for `key` has not settled, another caller with that key gets the same promise instead of a
 * second call. Nothing is kept once it settles (no staleness beyond the call's own duration).
 * A reconnect storm's subscribers of one room resume from the same seq at once: one read for them all.
 */
export function singleFlight<A, R>(keyOf: (arg: A) => string, fn: (arg: A) => Promise<R>): (arg: A) => Promise<R> {
  const flying = new Map<string, Promise<R>>();
  return (arg) => {
    const key = keyOf(arg);
    const pending = flying.get(key);
    if (pending) return pending;
    const call = fn(arg).finally(() => flying.delete(key));
    flying.set(key, call);
    return call;
  };
}
