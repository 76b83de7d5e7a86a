/// <reference types="vite/client" />
import type { StudioBridge } from './api/bridge'

declare module '*.vue' {
  import type { DefineComponent } from 'vue'
  const component: DefineComponent<object, object, unknown>
  export default component
}

declare global {
  interface Window {
    /** Present in the desktop app: the preload's bridge. */
    studio?: StudioBridge
  }
}
