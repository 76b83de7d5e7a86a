import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { router } from './router'
import { reportError } from './composables/errors'

const app = createApp(App)
app.use(createPinia())
app.use(router)
// Whatever escapes a component is shown as a message, never as a blank page.
app.config.errorHandler = (err) => reportError(err)
window.addEventListener('unhandledrejection', (e) => reportError(e.reason))
app.mount('#app')
