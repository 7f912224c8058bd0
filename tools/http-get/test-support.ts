import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import net, { type AddressInfo } from "node:net";

export interface LocalServer {
  port: number;
  /** Paths of the requests received, in order. */
  requests: string[];
  /** TCP connections accepted, whether or not a request followed. */
  connections: number;
  close: () => Promise<void>;
}

/** An HTTP server on a loopback address (Linux routes all of 127.0.0.0/8 to lo). */
export async function startServer(
  host: string,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<LocalServer> {
  const server: Server = createServer((req, res) => {
    state.requests.push(req.url ?? "");
    handle(req, res);
  });
  const state: LocalServer = {
    port: 0,
    requests: [],
    connections: 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on("connection", () => state.connections++);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  state.port = (server.address() as AddressInfo).port;
  return state;
}

const isLoopback = (host: string): boolean =>
  host === "localhost" || /^127\./.test(host) || host === "::1" || /^::ffff:127\./i.test(host);

/**
 * Records every outgoing TCP connect in this process and throws before any that would leave the
 * machine, so a broken policy fails a test instead of reaching a real network.
 */
export function installConnectTripwire(): { hosts: string[]; restore: () => void } {
  const descriptor = Object.getOwnPropertyDescriptor(net.Socket.prototype, "connect");
  if (descriptor === undefined) throw new Error("net.Socket.prototype.connect not found");
  const original = descriptor.value as (this: net.Socket, ...args: unknown[]) => net.Socket;
  const hosts: string[] = [];
  Object.defineProperty(net.Socket.prototype, "connect", {
    ...descriptor,
    value: function (this: net.Socket, ...args: unknown[]): net.Socket {
      const host = connectHost(args);
      if (host !== undefined) {
        hosts.push(host);
        if (!isLoopback(host)) throw new Error(`test tripwire: blocked a connection to ${host}`);
      }
      return original.apply(this, args);
    },
  });
  return { hosts, restore: () => Object.defineProperty(net.Socket.prototype, "connect", descriptor) };
}

/** The TCP host of a Socket#connect call, or undefined for IPC paths. */
function connectHost(args: unknown[]): string | undefined {
  // net.createConnection passes its normalised arguments as one array.
  const first: unknown = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof first === "object" && first !== null) {
    const options = first as { host?: unknown; path?: unknown };
    if (typeof options.path === "string") return undefined;
    return typeof options.host === "string" ? options.host : "localhost";
  }
  if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    return typeof args[1] === "string" ? args[1] : "localhost";
  }
  return undefined;
}
