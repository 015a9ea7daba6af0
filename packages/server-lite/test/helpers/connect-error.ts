import { ConnectError } from '@connectrpc/connect';

/** The ConnectError a Connect call fails with; throws when the call succeeds. */
export async function connectError(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (err) {
    return ConnectError.from(err);
  }
  throw new Error('expected the call to fail');
}
