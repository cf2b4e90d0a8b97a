/**
 * The wire probe of external plugins (runtime/external-plugin.ts knows no wire): a socket answers
 * when an InfraKit handshake on it succeeds (`Handshake.Hello`, then the older generations, as
 * discovery asks them). Resolves with the interfaces it named (`Instance/0.6.1`, …).
 */
import type { ExternalProbe } from '../runtime/external-plugin.js';
import { handshakePlugin } from './discovery.js';
import { RemoteClient } from './remote-client.js';

export const handshakeProbe: ExternalProbe = async (socketPath, timeoutMs) => {
  const client = new RemoteClient({ kind: 'unix', socketPath }, { timeoutMs });
  try {
    const found = await handshakePlugin(client);
    return found.interfaces.map((i) => (i.version === '' ? i.name : `${i.name}/${i.version}`));
  } finally {
    client.close();
  }
};
