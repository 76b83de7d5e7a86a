/** The renderer's one api: the preload bridge in the desktop app, the WebSocket in serve mode. */
import type { StudioApi } from '@shared/contract'
import { electronTransport } from './electron-transport'
import { wsTransport } from './ws-transport'

export const transportKind: 'electron' | 'serve' = window.studio ? 'electron' : 'serve'
export const api: StudioApi = window.studio ? electronTransport(window.studio) : wsTransport()
