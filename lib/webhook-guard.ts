import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { AppError } from "./errors";

/** Addresses a callback must not reach in production: loopback, private, link-local, CGNAT, multicast, reserved. */
const blocked = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  blocked.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  blocked.addSubnet(net, prefix, "ipv6");

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, "ipv4");
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blocked.check(mapped[1]!, "ipv4");
    return blocked.check(address, "ipv6");
  }
  return true; // not an address at all: refuse
}

const refused = (url: URL, address: string) =>
  new AppError(
    "callback_url_refused",
    `callback ${url.host} resolves to ${address}`,
    `The callback URL's host ${url.hostname} resolves to a loopback, private or link-local address (${address}); such callbacks are refused on this server.`,
  );

export type LookupAddress = { address: string; family: number };

/**
 * Resolves the callback's host and refuses it when any address is private (unless allowed). Returns the
 * addresses, so the request can connect to exactly what was checked (no second, rebindable lookup).
 */
export async function resolveCallback(url: URL, allowPrivate: boolean, resolve = (host: string) => lookup(host, { all: true, verbatim: true })): Promise<LookupAddress[]> {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new AppError("callback_url_refused", "callback scheme", "Callback URLs must be http or https.");
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: LookupAddress[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new AppError("callback_url_unresolvable", `cannot resolve ${host}`, `The callback URL's host ${host} could not be resolved.`);
    }
  }
  if (!allowPrivate) for (const a of addresses) if (isPrivateAddress(a.address)) throw refused(url, a.address);
  return addresses;
}
