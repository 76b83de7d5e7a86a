/**
 * What a request may name on the server's disk and network. Serve mode confines every path the
 * contract marks (`shared/path-fields.ts`) to roots chosen at start-up, and every fetched URL to
 * http(s) on a non-loopback, non-link-local address; the desktop app and the CLI act for the person
 * at the keyboard, with their own rights, and use `unrestricted`.
 */
import { realpathSync } from 'node:fs'
import { realpath } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { ApiError } from '../../../shared/errors'
import { checkDownloadUrl } from './download-guard'

/** What a confined policy asks of job processes, which walk folders and fetch URLs themselves. */
export interface Confinement {
  /** Where a symbolic link met inside a folder may lead. */
  roots: string[]
  /** Whether downloads may reach loopback and link-local addresses. */
  allowLocalDownloads: boolean
}

export interface PathPolicy {
  /** The roots paths must lie in (empty: no confinement). */
  readonly roots: readonly string[]
  /** Passed to every job process (null: unrestricted). */
  readonly confinement: Confinement | null
  /** A file or folder a request reads or writes: its canonical path, or ApiError('forbidden'). */
  path(value: string, field: string): Promise<string>
  /** An address a download will fetch: the URL, or ApiError('forbidden'). */
  url(value: string, field: string): Promise<string>
}

export const unrestricted: PathPolicy = {
  roots: [],
  confinement: null,
  path: async (value) => value,
  url: async (value) => value,
}

export interface ConfinedOptions {
  /** Folders every path must lie in (after following symbolic links). */
  roots: string[]
  /** Let downloads reach loopback and link-local addresses (a local mirror, tests). */
  allowLocalDownloads?: boolean
}

/** The path with every symbolic link of its existing part followed; the missing rest joined on. */
async function canonical(path: string): Promise<string> {
  let existing = path
  const rest: string[] = []
  for (;;) {
    try {
      return join(await realpath(existing), ...rest)
    } catch {
      const parent = dirname(existing)
      if (parent === existing) return path
      rest.unshift(basename(existing))
      existing = parent
    }
  }
}

function within(path: string, root: string): boolean {
  const r = relative(root, path)
  return r === '' || (!r.startsWith(`..${sep}`) && r !== '..' && !isAbsolute(r))
}

/**
 * Whether `path`, met while walking the folder `root` that a request named (and the policy let
 * through), stays inside it once its symbolic links are followed: a link may not lead a walk out.
 */
export async function staysInside(path: string, root: string): Promise<boolean> {
  return within(await canonical(path), await canonical(root))
}

export function confinedPolicy(options: ConfinedOptions): PathPolicy {
  const roots = [
    ...new Set(
      options.roots.map((root) => {
        try {
          return realpathSync(resolve(root))
        } catch {
          return resolve(root)
        }
      }),
    ),
  ]
  const refuse = (field: string, why: string) => {
    throw new ApiError('forbidden', `${field}: ${why}`, field)
  }
  return {
    roots,
    confinement: { roots, allowLocalDownloads: options.allowLocalDownloads ?? false },
    async path(value, field) {
      if (value === '') return value // fs.list's "no folder yet": the handler starts at home
      if (!isAbsolute(value)) refuse(field, `give an absolute path, not "${value}".`)
      if (value.split(/[/\\]/).includes('..')) refuse(field, `"${value}" may not contain "..".`)
      const real = await canonical(resolve(value))
      if (!roots.some((root) => within(real, root)))
        refuse(
          field,
          `${value}${real === value ? '' : ` (${real})`} is outside the folders this server may use (${roots.join(', ')}); start it with --allow-path to add one.`,
        )
      return real
    },
    async url(value, field) {
      const why = await checkDownloadUrl(value, options.allowLocalDownloads ?? false)
      if (why) refuse(field, why)
      return value
    },
  }
}
