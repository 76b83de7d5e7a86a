/** Finds, in a parsed payload, the values of the fields the contract marks as paths or fetched URLs. */
import { z } from 'zod'
import { pathFields, type PathFieldKind } from '../../../shared/path-fields'

export interface MarkedField {
  kind: PathFieldKind
  /** Dotted name of the field, for the error (`source.classFiles.0.path`). */
  field: string
  value: string
  /** Replaces the value in the payload (with the checked, canonical form). */
  set(value: string): void
}

type Container = object

/**
 * Walks the schema alongside the value: objects by their shape, arrays by their element, wrappers
 * (optional, default, pipe…) by their inner type, and unions by every option (an option whose keys
 * the value lacks finds nothing).
 */
export function markedFields(schema: z.ZodType, value: unknown): MarkedField[] {
  const found: MarkedField[] = []
  const visit = (
    s: z.core.$ZodType,
    v: unknown,
    name: (string | number)[],
    holder: Container | null,
    key: string | number,
  ) => {
    if (v === undefined || v === null) return
    const meta = pathFields.get(s)
    if (meta && typeof v === 'string' && holder) {
      found.push({ kind: meta.kind, field: name.join('.'), value: v, set: (next) => Reflect.set(holder, key, next) })
      return
    }
    if (s instanceof z.ZodObject) {
      if (typeof v !== 'object') return
      for (const [k, child] of Object.entries(s.shape)) visit(child, Reflect.get(v, k), [...name, k], v, k)
    } else if (s instanceof z.ZodArray) {
      if (Array.isArray(v)) v.forEach((item, i) => visit(s.element, item, [...name, i], v, i))
    } else if (s instanceof z.ZodUnion) {
      for (const option of s.options) visit(option, v, name, holder, key)
    } else if (
      s instanceof z.ZodOptional ||
      s instanceof z.ZodNullable ||
      s instanceof z.ZodDefault ||
      s instanceof z.ZodPrefault ||
      s instanceof z.ZodReadonly ||
      s instanceof z.ZodCatch ||
      s instanceof z.ZodNonOptional
    ) {
      visit(s.unwrap(), v, name, holder, key)
    } else if (s instanceof z.ZodPipe) {
      visit(s.in, v, name, holder, key)
    }
  }
  visit(schema, value, [], null, '')
  // A union's options may share a field: keep each field once.
  return found.filter((f, i) => found.findIndex((g) => g.field === f.field) === i)
}
