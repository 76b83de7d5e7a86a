/** What this transport can do: native dialogs (desktop) or the server-side folder browser (serve mode). */
import type { Capabilities } from '@shared/types'
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api } from '../api/client'

export const useCapabilities = defineStore('capabilities', () => {
  const value = ref<Capabilities | null>(null)
  async function get(): Promise<Capabilities> {
    value.value ??= await api.invoke('app.capabilities', {})
    return value.value
  }
  return { value, get }
})
