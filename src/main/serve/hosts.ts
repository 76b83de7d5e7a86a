/** The names a serve-mode server answers to, for the Host check against DNS rebinding. */
import { hostname, networkInterfaces } from 'node:os'

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}

export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::'
}

/** How an address appears in a Host header: IPv6 in brackets. */
function inHostHeader(address: string): string {
  return address.includes(':') ? `[${address.toLowerCase()}]` : address.toLowerCase()
}

/**
 * The bound address, `localhost` and `127.0.0.1` (and `[::1]`); a wildcard bind adds every
 * interface's address and the machine's name, since it answers on all of them.
 */
export function serverNames(host: string): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '[::1]', inHostHeader(host)])
  if (isWildcard(host)) {
    names.add(hostname().toLowerCase())
    for (const a of Object.values(networkInterfaces()).flat()) if (a) names.add(inHostHeader(a.address))
  }
  return names
}

/** Addresses other machines can reach this one at (for the warning a non-loopback bind prints). */
export function externalAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal)
    .map((a) => a!.address)
}
