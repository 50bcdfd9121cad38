import { AsyncLocalStorage } from 'node:async_hooks';
import type { ActiveLoginBlock } from '@/lib/auth/login';

/**
 * What the next-auth route knows about a request and `authorize` does not: next-auth 4 hands
 * `authorize` only the body and headers. The route runs every next-auth call inside this context;
 * `authorize` reads the client address from it and leaves a block there for the route to answer
 * with 429. Outside the context `authorize` refuses everything.
 */
export type SignInContext = { clientAddress: string; block: ActiveLoginBlock | null };

const storage = new AsyncLocalStorage<SignInContext>();

export function runInSignInContext<T>(clientAddress: string, fn: (context: SignInContext) => Promise<T>): Promise<T> {
  const context: SignInContext = { clientAddress, block: null };
  return storage.run(context, () => fn(context));
}

export function currentSignInContext(): SignInContext | undefined {
  return storage.getStore();
}
