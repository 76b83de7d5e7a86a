/** Where serve mode may download from: http(s), and not this machine or its link (unless allowed). */
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'

/** Loopback, unspecified and link-local addresses, IPv4 and IPv6 (IPv4-mapped included). */
export function isLocalAddress(address: string): boolean {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '')
  const v4 = a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a
  if (isIP(v4) === 4) {
    const [x, y] = v4.split('.').map(Number)
    return x === 127 || x === 0 || (x === 169 && y === 254)
  }
  return a === '::1' || a === '::' || /^fe[89ab][0-9a-f]:/.test(a)
}

/** Why the URL may not be fetched, or null when it may. */
export async function checkDownloadUrl(value: string, allowLocal: boolean): Promise<string | null> {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return `"${value}" is not a URL.`
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `only http and https downloads are allowed, not ${url.protocol}`
  if (allowLocal) return null
  const host = url.hostname.replace(/^\[|\]$/g, '')
  let addresses: string[]
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address)
  } catch {
    return null // an unknown name fails in the download itself, with its own message
  }
  const local = addresses.find(isLocalAddress)
  return local
    ? `${url.hostname} is this machine or its local link (${local}); serve mode downloads only from other hosts (start it with --allow-local-downloads to allow).`
    : null
}
