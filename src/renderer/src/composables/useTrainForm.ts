/**
 * The training form's state: a draft of every TrainConfig field started from a preset fitted to the
 * dataset by the size rules (unless their switch is off, which gives the preset's own values), checked
 * as it changes with the schema main uses, and what differs from that start (what `runs.start` sends;
 * main applies the same rules to the same preset).
 */
import type { DatasetSummary } from '@shared/datasets'
import { trainConfigSchema, type ConfigField, type TrainConfig } from '@shared/training/config'
import type { Preset } from '@shared/training/presets'
import { changedFields } from '@shared/training/fields'
import { sizeRules, statsOf } from '@shared/training/size-rules'
import { computed, reactive, toRaw, watch, type Ref } from 'vue'

/** While typing, a field may hold what the schema rejects (an empty number, a bad list). */
export type Draft = Record<ConfigField, unknown>

export function useTrainForm(preset: Ref<Preset | null>, dataset: Ref<DatasetSummary | null>) {
  const draft = reactive({}) as Draft
  const rules = computed(() =>
    preset.value && dataset.value ? sizeRules(statsOf(dataset.value), toRaw(preset.value.config)) : null,
  )
  // Raw: structuredClone refuses reactive proxies.
  const base = computed<TrainConfig | null>(() => {
    if (!preset.value) return null
    const own = toRaw(preset.value.config)
    return draft.sizeRules !== false && rules.value ? { ...own, ...rules.value.settings } : own
  })
  // Another dataset, or the rules switched: the fields still at the old start move to the new one.
  watch(base, (now, before) => {
    if (!now || !before) return
    for (const field of Object.keys(now) as ConfigField[])
      if (JSON.stringify(draft[field]) === JSON.stringify(before[field])) draft[field] = structuredClone(now[field])
  })

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

  /** The rules' sentences while they apply ("1,920 training examples: 25 epochs, batch 16, …"). */
  const explanation = computed(() => (draft.sizeRules !== false ? (rules.value?.explanation ?? []) : []))

  return { draft, base, shape, config, errors, changed, overrides, explanation, reset, resetAll }
}
