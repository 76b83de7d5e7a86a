/** Where serve mode may download from: http(s), and not this machine or its link (unless allowed). */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { lookup } from 'node:dns/promises'
import { get as httpGet, type IncomingMessage } from 'node:http'
import { get as httpsGet } from 'node:https'
import { isIP, type LookupFunction } from 'node:net'

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
  return local ? refusal(url.hostname, local).message : null
}

/** A download that the guard stopped: the message says which address and why. */
export class DownloadRefused extends Error {
  override name = 'DownloadRefused'
  readonly code = 'EDOWNLOADREFUSED'
}

const refusal = (host: string, address: string) =>
  new DownloadRefused(
    `${host} is this machine or its local link (${address}); serve mode downloads only from other hosts (start it with --allow-local-downloads to allow).`,
  )

/**
 * dns.lookup that refuses local addresses: the address checked is the one the socket connects to,
 * so a name cannot answer one address to the check and another to the connection (DNS rebinding).
 */
export const publicLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 0)
    const local = addresses.find((a) => isLocalAddress(a.address))
    if (local) return callback(Object.assign(refusal(hostname, local.address), { errno: 0, syscall: 'lookup' }), '', 0)
    // Node asks for every address (all: true) when it tries them in turn, else for the first.
    if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses)
    else callback(null, addresses[0]!.address, addresses[0]!.family)
  })
}

export interface GuardedRequest {
  headers: Record<string, string>
  signal: AbortSignal
  /** Refuse loopback and link-local addresses, on every redirect hop and at connect time. */
  publicOnly: boolean
}

const maxRedirects = 10

/**
 * GET `url`, following redirects itself so that each hop is checked: http(s) only and, when
 * `publicOnly`, no address of this machine or its link, whether the URL names it or DNS answers it.
 */
export async function guardedGet(
  url: string,
  options: GuardedRequest,
): Promise<{ response: IncomingMessage; url: string }> {
  let current = new URL(url)
  for (let hop = 0; ; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:')
      throw new DownloadRefused(`${url} redirects to ${current.href}: only http and https downloads are allowed.`)
    const literal = current.hostname.replace(/^\[|\]$/g, '')
    if (options.publicOnly && isIP(literal) && isLocalAddress(literal)) throw refusal(current.host, literal)
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const get = current.protocol === 'https:' ? httpsGet : httpGet
      get(
        current,
        { headers: options.headers, signal: options.signal, ...(options.publicOnly ? { lookup: publicLookup } : {}) },
        resolve,
      ).on('error', reject)
    })
    const location = response.headers.location
    if (!location || ![301, 302, 303, 307, 308].includes(response.statusCode ?? 0))
      return { response, url: current.href }
    response.resume()
    if (hop >= maxRedirects) throw new DownloadRefused(`${url} redirects more than ${maxRedirects} times.`)
    current = new URL(location, current)
  }
}
