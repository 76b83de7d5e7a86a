/**
 * The import wizard's live preview: from step 2 on, the first rows of the real source through main,
 * refreshed 300 ms after the settings it depends on change. Then a `profile-source` job reads the whole
 * source for the class shares, lengths and vocabulary (the first rows of an archive may hold one class
 * only); until it ends, the figures are the first rows' and say so.
 */
import type { DatasetPreview, SourceProfile } from '@shared/datasets'
import { computed, ref, watch, type Ref } from 'vue'
import { api } from '../api/client'
import { describeError } from './errors'
import type { ImportDraft } from './useImportDraft'
import { useJob } from './useJob'

export function useImportPreview(draft: ImportDraft, step: Ref<number>) {
  const preview = ref<DatasetPreview | null>(null)
  const error = ref<string | null>(null)
  const loading = ref(false)
  const whole = useJob<'profile-source'>()
  const profile = ref<SourceProfile | null>(null)
  /** Share of the source read so far by the running profile, when it knows its total. */
  const profiling = computed(() => {
    const job = whole.job.value
    if (!whole.running.value || !job) return null
    return job.progress && job.progress.total ? job.progress.done / job.progress.total : 0
  })

  async function readWhole() {
    if (whole.running.value) await whole.cancel()
    profile.value = null
    const s = draft.spec.value
    const result = await whole.run(() =>
      api.invoke('datasets.profile', {
        source: s.source,
        preprocess: s.preprocess,
        vocab: s.vocab,
        sequence: s.sequence,
      }),
    )
    if (!result) return
    profile.value = result
    for (const raw of Object.keys(result.labels)) draft.labelNames[raw] ??= raw
  }

  async function refresh() {
    if (!draft.sourceReady.value) return
    loading.value = true
    try {
      const s = draft.spec.value
      preview.value = await api.invoke('datasets.preview', {
        source: s.source,
        preprocess: s.preprocess,
        vocab: s.vocab,
        sequence: s.sequence,
        count: 200,
      })
      error.value = null
      for (const raw of Object.keys(preview.value.labelsSeen)) draft.labelNames[raw] ??= raw
      void readWhole()
    } catch (err) {
      preview.value = null
      error.value = describeError(err)
    } finally {
      loading.value = false
    }
  }

  let timer: ReturnType<typeof setTimeout> | undefined
  watch(
    () => [
      step.value,
      JSON.stringify(draft.spec.value.source),
      JSON.stringify(draft.preprocess),
      JSON.stringify(draft.vocab),
      draft.sequence.maxLen,
    ],
    () => {
      if (step.value < 2) return
      clearTimeout(timer)
      timer = setTimeout(refresh, 300)
    },
  )

  return { preview, error, loading, profile, profiling, profileError: whole.error }
}

export type ImportPreview = ReturnType<typeof useImportPreview>
