/** The contract over the preload bridge (desktop app). */
import type { StudioApi } from '@shared/contract'
import { ApiError } from '@shared/errors'
import type { StudioBridge } from './bridge'

export function electronTransport(bridge: StudioBridge): StudioApi {
  return {
    async invoke(name, payload) {
      const answer = await bridge.invoke(name, payload)
      if (!answer.ok) throw ApiError.from(answer.error)
      return answer.result as never
    },
    subscribe(name, listener) {
      return bridge.subscribe(name, listener as (data: unknown) => void)
    },
  }
}
