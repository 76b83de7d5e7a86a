/**
 * The training form's state: a draft of every TrainConfig field started from a preset, checked as
 * it changes with the schema main uses, and what differs from the preset (what `runs.start` sends).
 */
import { trainConfigSchema, type ConfigField, type TrainConfig } from '@shared/training/config'
import type { Preset } from '@shared/training/presets'
import { changedFields } from '@shared/training/fields'
import { computed, reactive, toRaw, type Ref } from 'vue'

/** While typing, a field may hold what the schema rejects (an empty number, a bad list). */
export type Draft = Record<ConfigField, unknown>

export function useTrainForm(preset: Ref<Preset | null>) {
  const draft = reactive({}) as Draft
  // Raw: structuredClone refuses reactive proxies.
  const base = computed(() => (preset.value ? toRaw(preset.value.config) : null))

  function resetAll() {
    if (base.value) Object.assign(draft, structuredClone(base.value))
  }
  function reset(field: ConfigField) {
    if (base.value) draft[field] = structuredClone(base.value[field])
  }

  const parsed = computed(() => trainConfigSchema.safeParse(draft))
  const config = computed<TrainConfig | null>(() => (parsed.value.success ? parsed.value.data : null))

  /** The first problem per field, worded for the form. */
  const errors = computed(() => {
    const out: Partial<Record<ConfigField, string>> = {}
    if (parsed.value.success) return out
    for (const issue of parsed.value.error.issues) {
      const field = issue.path[0] as ConfigField
      out[field] ??= draft[field] === null || draft[field] === undefined ? 'Enter a value.' : issue.message
    }
    return out
  })

  // The model, schedule and optimizer come from selects, so the draft always has them right enough
  // to decide which fields apply and what changed.
  const shape = computed(() => draft as TrainConfig)
  const changed = computed(() => (base.value ? changedFields(shape.value, base.value) : []))
  const overrides = computed(() => {
    const c = config.value
    return c ? Object.fromEntries(changed.value.map((f) => [f, c[f]])) : null
  })

  return { draft, base, shape, config, errors, changed, overrides, reset, resetAll }
}
