/** The import wizard's state, shared by its steps: the current step, the draft and the live preview. */
import { inject, provide, ref, type InjectionKey, type Ref } from 'vue'
import { useImportDraft, type ImportDraft } from './useImportDraft'
import { useImportPreview, type ImportPreview } from './useImportPreview'

export interface ImportWizard {
  step: Ref<number>
  draft: ImportDraft
  preview: ImportPreview
}

const key: InjectionKey<ImportWizard> = Symbol('import-wizard')

/** Creates the wizard's state and hands it to the steps below. */
export function provideImportWizard(): ImportWizard {
  const step = ref(1)
  const draft = useImportDraft()
  const wizard = { step, draft, preview: useImportPreview(draft, step) }
  provide(key, wizard)
  return wizard
}

/** In a step: the wizard's state. */
export function useImportWizard(): ImportWizard {
  const wizard = inject(key)
  if (!wizard) throw new Error('An import step is used outside the import wizard.')
  return wizard
}
