/** Structured errors that cross the contract: every transport carries them as plain objects. */

export type ApiErrorCode =
  'invalid_payload' | 'unknown_request' | 'not_found' | 'unsupported' | 'forbidden' | 'failed' | 'internal'

export interface ApiErrorData {
  code: ApiErrorCode
  message: string
  /** Dotted path of the payload field at fault, when one is. */
  field?: string
}

export class ApiError extends Error implements ApiErrorData {
  readonly code: ApiErrorCode
  readonly field?: string

  constructor(code: ApiErrorCode, message: string, field?: string) {
    super(message)
    this.name = 'ApiError'
    this.code = code
    if (field !== undefined) this.field = field
  }

  toJSON(): ApiErrorData {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field }
  }

  static from(data: ApiErrorData): ApiError {
    return new ApiError(data.code, data.message, data.field)
  }
}

/** Any thrown value as an ApiError: ours pass through, the rest become `internal` with their message. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err
  if (err instanceof Error) return new ApiError('internal', err.message)
  return new ApiError('internal', String(err))
}

/** What every transport answers to an invoke. */
export type Envelope<R> = { ok: true; result: R } | { ok: false; error: ApiErrorData }
