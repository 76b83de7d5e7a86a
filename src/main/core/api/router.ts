/**
 * The contract's one entry point in main: every transport (Electron IPC, the serve WebSocket, tests)
 * calls `invoke`, which validates the payload against the contract before any handler sees it.
 */
import type { z } from 'zod'
import { isRequestName, requests, type ParsedPayload, type RequestName, type Result } from '../../../shared/contract'
import { ApiError, toApiError, type Envelope } from '../../../shared/errors'
import { unrestricted, type PathPolicy } from '../security/path-policy'
import { markedFields } from './marked-fields'

export type Handlers = {
  [N in RequestName]: (payload: ParsedPayload<N>) => Promise<Result<N>> | Result<N>
}

/** The first problem zod found, as a structured error naming the field. */
export function payloadError(name: string, error: z.ZodError): ApiError {
  const issue = error.issues[0]!
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : []
  const path = [...issue.path, ...keys.slice(0, 1)].map(String)
  const field = path.length > 0 ? path.join('.') : undefined
  const where = field ? `field "${field}"` : 'payload'
  return new ApiError('invalid_payload', `${name}: ${where}: ${issue.message}`, field)
}

/** Every marked path and URL in the payload checked by the policy, and replaced by its checked form. */
async function applyPolicy(schema: z.ZodType, payload: unknown, policy: PathPolicy): Promise<void> {
  for (const f of markedFields(schema, payload))
    f.set(await (f.kind === 'url' ? policy.url : policy.path)(f.value, f.field))
}

export function createRouter(handlers: Handlers, policy: PathPolicy = unrestricted) {
  return async function invoke(name: unknown, payload: unknown): Promise<Envelope<unknown>> {
    if (!isRequestName(name))
      return { ok: false, error: new ApiError('unknown_request', `Unknown request "${String(name)}".`).toJSON() }
    const parsed = requests[name].payload.safeParse(payload ?? {})
    if (!parsed.success) return { ok: false, error: payloadError(name, parsed.error).toJSON() }
    try {
      if (policy !== unrestricted) await applyPolicy(requests[name].payload, parsed.data, policy)
      const handler = handlers[name] as (p: unknown) => Promise<unknown>
      return { ok: true, result: await handler(parsed.data) }
    } catch (err) {
      return { ok: false, error: toApiError(err).toJSON() }
    }
  }
}
