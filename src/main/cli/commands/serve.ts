/** `serve`: the app in a browser, over HTTP and a WebSocket, until stopped. */
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { AppContext } from '../../core/app-context'
import { confinedPolicy, type PathPolicy } from '../../core/security/path-policy'
import { externalAddresses, isLoopback } from '../../serve/hosts'
import { startServer } from '../../serve/server'
import { UsageError } from '../errors'
import type { Output } from '../output'

/**
 * What the server's requests may name: the home folder, the data directory and each --allow-path,
 * downloads from other hosts only (unless --allow-local-downloads). The CLI's own commands and the
 * desktop app stay unrestricted: they act for the person at the keyboard, with that person's rights.
 */
export function servePolicy(values: Record<string, unknown>): (dataDir: string) => PathPolicy {
  const allowed = Array.isArray(values['allow-path']) ? values['allow-path'].map(String) : []
  return (dataDir) =>
    confinedPolicy({
      roots: [homedir(), dataDir, ...allowed],
      allowLocalDownloads: values['allow-local-downloads'] === true,
    })
}

export async function serveCommand(
  context: AppContext,
  out: Output,
  options: { host: string; port: string },
): Promise<void> {
  const port = Number(options.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a whole number from 0 to 65535, not "${options.port}".`)
  if (!isLoopback(options.host)) {
    const addresses = externalAddresses()
    out.status(
      `Warning: listening on ${options.host} makes Sentiment Studio reachable from other machines${addresses.length ? ` (${addresses.join(', ')})` : ''}; anyone with the token can read and change your data.\n` +
        'Warning: the connection is plain HTTP, so the token and your data travel in clear text. Prefer the default 127.0.0.1 with an SSH tunnel (ssh -L 5757:127.0.0.1:5757 HOST), as the README shows.',
    )
  }
  // Listen for the stop signals first: a signal that arrives while starting must still stop cleanly.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve())
    process.once('SIGTERM', () => resolve())
  })
  const server = await startServer({
    context,
    rendererDir: join(__dirname, '..', 'renderer'),
    host: options.host,
    port,
  })
  out.status(`Requests may name files in: ${context.pathPolicy.roots.join(', ')}`)
  out.result(
    { url: server.url, host: server.host, port: server.port, token: server.token, dataDir: context.dataDir },
    () => `Sentiment Studio is serving at ${server.url}\nData directory: ${context.dataDir}\nPress Ctrl+C to stop.`,
  )
  await stopped
  out.status('Stopping…')
  await server.close()
}
