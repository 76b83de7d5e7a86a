/**
 * The exported folder's `index.html`: a plain page that imports tfjs (from a CDN through an import
 * map: point it at any other copy) and `sentiment.mjs`, and scores what is typed as it is typed.
 */

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

/** The CDN's ES module build of the tfjs version the model was trained with. */
export const tfjsCdnUrl = (version: string): string =>
  `https://cdn.jsdelivr.net/npm/@tensorflow/tfjs@${version}/dist/tf.fesm.min.js`

export function exportPage(options: { title: string; description: string; tfjsUrl: string }): string {
  const importMap = JSON.stringify({ imports: { '@tensorflow/tfjs': options.tfjsUrl } })
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(options.title)}</title>
    <!-- tfjs comes from a CDN: change this address to use another copy (a local tf.fesm.min.js, say). -->
    <script type="importmap">${importMap.replace(/</g, '\\u003c')}</script>
    <style>
      body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
      textarea { width: 100%; min-height: 8rem; font: inherit; }
      table { border-collapse: collapse; margin-top: 1rem; }
      td { padding: 0.2rem 0.8rem; }
      .bar { background: #3b82f6; height: 0.8rem; }
      #label { font-weight: 600; }
    </style>
  </head>
  <body>
    <h1>${escapeHtml(options.title)}</h1>
    <p>${escapeHtml(options.description)}</p>
    <p>Browsers load modules only over http(s): serve this folder (for example <code>python3 -m http.server</code>
      here) and open its address.</p>
    <textarea id="text" placeholder="Type or paste a review" disabled></textarea>
    <p id="status">Loading the model…</p>
    <p>Prediction: <span id="label">—</span></p>
    <table id="probabilities"></table>
    <script type="module">
      import * as tf from '@tensorflow/tfjs'
      import { loadSentimentModel } from './sentiment.mjs'

      const text = document.getElementById('text')
      const status = document.getElementById('status')
      const table = document.getElementById('probabilities')
      try {
        const model = await loadSentimentModel(tf)
        text.disabled = false
        status.textContent = 'Ready (tfjs ' + tf.version.tfjs + ', ' + tf.getBackend() + ' backend).'
        let asked = 0
        const score = async () => {
          const mine = ++asked
          const [probs] = await model.predict([text.value])
          if (mine !== asked) return
          const best = probs.indexOf(Math.max(...probs))
          document.getElementById('label').textContent = model.classes[best]
          table.replaceChildren(
            ...model.classes.map((name, k) => {
              const row = document.createElement('tr')
              row.dataset.class = name
              row.dataset.probability = String(probs[k])
              const bar = document.createElement('div')
              bar.className = 'bar'
              bar.style.width = (probs[k] * 12).toFixed(2) + 'rem'
              row.append(...[name, (probs[k] * 100).toFixed(1) + '%', bar].map((v) => {
                const cell = document.createElement('td')
                cell.append(v)
                return cell
              }))
              return row
            }),
          )
          status.dataset.scored = text.value
        }
        let timer
        text.addEventListener('input', () => {
          clearTimeout(timer)
          timer = setTimeout(score, 150)
        })
      } catch (err) {
        status.textContent = 'The model did not load: ' + err.message
      }
    </script>
  </body>
</html>
`
}
