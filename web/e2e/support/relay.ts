import { createConnection, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { freePortsSync, newDataDir, startApi, startWeb } from './servers';
import type { Running } from './servers';
import { rmSync } from 'node:fs';

/**
 * A TCP relay in front of the API that can freeze: while frozen it accepts connections and never
 * answers, like an API stuck on a lock or a dead load balancer, which a stopped API (connection
 * refused, answered at once) does not show.
 */
export interface Relay {
  readonly port: number;
  /** From now on connections are accepted and never answered; open ones are cut. */
  freeze(): void;
  /** Answers again; the connections held while frozen are cut. */
  thaw(): void;
  stop(): Promise<void>;
}

export async function startRelay(port: number, targetPort: number): Promise<Relay> {
  let frozen = false;
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const cutAll = () => {
    for (const socket of open) socket.destroy();
  };
  const server = createServer((client) => {
    track(client);
    if (frozen) return; // held: read nothing, answer nothing
    const upstream = createConnection(targetPort, '127.0.0.1');
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    freeze: () => {
      frozen = true;
      cutAll(); // kept-alive connections would still reach the API
    },
    thaw: () => {
      frozen = false;
      cutAll();
    },
    stop: async () => {
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An API, a relay in front of it and a web server that reaches the API only through the relay. */
export interface RelayedStack {
  readonly url: string;
  readonly apiUrl: string;
  readonly relay: Relay;
  stop(): Promise<void>;
}

export async function startRelayedStack(options: { direct: boolean; apiSettings?: Record<string, string> }): Promise<RelayedStack> {
  const [apiPort = 0, relayPort = 0, webPort = 0] = freePortsSync(3);
  const dataDir = newDataDir();
  let api: Running | undefined;
  let relay: Relay | undefined;
  let web: Running | undefined;
  const stop = async () => {
    await web?.stop();
    await relay?.stop();
    await api?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    api = await startApi({ port: apiPort, dataDir, frontendUrls: [`http://localhost:${webPort}`], settings: options.apiSettings });
    relay = await startRelay(relayPort, apiPort);
    // The browser (direct mode) and the web server both reach the API through the relay.
    web = await startWeb({ port: webPort, apiPort: relayPort, direct: options.direct });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: web.url, apiUrl: `http://localhost:${apiPort}`, relay, stop };
}
