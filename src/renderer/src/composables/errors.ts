/** One place that turns any error into a readable message for the user. */
import { ApiError } from '@shared/errors'
import { ref } from 'vue'

export interface ShownError {
  id: number
  message: string
}

export const errors = ref<ShownError[]>([])
let nextId = 1

export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.field ? `${err.message} (field: ${err.field})` : err.message
  if (err instanceof Error) return err.message
  return String(err)
}

/** One alert per message: a dropped connection fails every request in flight with the same words. */
export function reportError(err: unknown): void {
  const message = describeError(err)
  if (!errors.value.some((e) => e.message === message)) errors.value.push({ id: nextId++, message })
}

export function dismissError(id: number): void {
  errors.value = errors.value.filter((e) => e.id !== id)
}
