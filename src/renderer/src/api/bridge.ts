/** What the preload exposes as window.studio in the desktop app. */
import type { Envelope } from '@shared/errors'

export interface StudioBridge {
  invoke(name: string, payload: unknown): Promise<Envelope<unknown>>
  subscribe(name: string, listener: (data: unknown) => void): () => void
  /** The path of a dropped file or folder. */
  pathForFile(file: File): string
}
