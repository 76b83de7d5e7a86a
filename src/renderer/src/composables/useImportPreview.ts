/**
 * The import wizard's live preview: from step 2 on, the first rows of the real source through main,
 * refreshed 300 ms after the settings it depends on change.
 */
import type { DatasetPreview } from '@shared/datasets'
import { ref, watch, type Ref } from 'vue'
import { api } from '../api/client'
import { describeError } from './errors'
import type { ImportDraft } from './useImportDraft'

export function useImportPreview(draft: ImportDraft, step: Ref<number>) {
  const preview = ref<DatasetPreview | null>(null)
  const error = ref<string | null>(null)
  const loading = ref(false)

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

  return { preview, error, loading }
}

export type ImportPreview = ReturnType<typeof useImportPreview>
