/** The import boundaries of eslint.config.mjs, through ESLint itself: where electron, tfjs and main may be imported. */
import { join } from 'node:path'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const eslint = new ESLint({ cwd: join(__dirname, '..', '..') })

/** The boundary errors ESLint reports for `code` as if it were the file at `filePath`. */
async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return (result?.messages ?? []).filter((m) => m.ruleId === 'boundaries/imports').map((m) => m.message)
}

describe('electron', () => {
  it('is refused in core, the CLI, serve mode and the renderer, however it is imported', async () => {
    expect(
      await boundaryErrors('src/main/core/some-file.ts', "import { app } from 'electron'\nexport { app }\n"),
    ).toEqual([
      "'electron': Electron belongs to the desktop shell: import it only under src/main/desktop (or src/preload).",
    ])
    expect(
      await boundaryErrors('src/main/core/jobs/x.ts', "export type { BrowserWindow } from 'electron'\n"),
    ).toHaveLength(1)
    expect(await boundaryErrors('src/main/cli/x.ts', "export const e = await import('electron')\n")).toHaveLength(1)
    expect(await boundaryErrors('src/main/serve/x.ts', "export const e = require('electron/main')\n")).toHaveLength(1)
    expect(await boundaryErrors('src/renderer/src/x.ts', "import 'electron'\n")).toHaveLength(1)
    expect(await boundaryErrors('test/unit/x.test.ts', "import 'electron'\n")).toHaveLength(1)
  })

  it('is allowed in the desktop shell, the preload and the Electron tests', async () => {
    expect(
      await boundaryErrors('src/main/desktop/some-file.ts', "import { app } from 'electron'\nexport { app }\n"),
    ).toEqual([])
    expect(await boundaryErrors('src/preload/x.ts', "import 'electron'\n")).toEqual([])
    expect(await boundaryErrors('test/electron/x.spec.ts', "import 'electron'\n")).toEqual([])
  })
})

describe('@tensorflow', () => {
  const tfjs = "import * as tf from '@tensorflow/tfjs'\nexport { tf }\n"

  it('is refused outside the engine and the backend probes', async () => {
    expect(await boundaryErrors('src/main/core/runs/service.ts', tfjs)).toEqual([
      "'@tensorflow/tfjs': tfjs loads only in job processes and backend probes: import it only under src/main/core/engine or src/main/core/backends.",
    ])
    expect(
      await boundaryErrors('src/main/core/app-context.ts', "await import('@tensorflow/tfjs-node')\n"),
    ).toHaveLength(1)
    expect(await boundaryErrors('src/main/desktop/x.ts', "import '@tensorflow/tfjs-backend-wasm'\n")).toHaveLength(1)
    expect(await boundaryErrors('src/shared/x.ts', tfjs)).toHaveLength(1)
  })

  it('is allowed in the engine, the backend probes, tests and benchmarks', async () => {
    expect(await boundaryErrors('src/main/core/engine/some-file.ts', tfjs)).toEqual([])
    expect(await boundaryErrors('src/main/core/backends/x.ts', tfjs)).toEqual([])
    expect(await boundaryErrors('test/unit/x.test.ts', tfjs)).toEqual([])
    expect(await boundaryErrors('bench/x.ts', tfjs)).toEqual([])
  })

  it('is matched as a scope, not as a prefix of other names', async () => {
    expect(await boundaryErrors('src/main/core/runs/x.ts', "import '@tensorflowish/thing'\n")).toEqual([])
  })
})

describe('the renderer', () => {
  it('imports nothing from src/main, whatever the depth', async () => {
    const message = 'The renderer reaches main only through the contract (src/shared) and its transports.'
    expect(
      await boundaryErrors(
        'src/renderer/src/views/x.ts',
        "import { x } from '../../../main/core/paths'\nexport { x }\n",
      ),
    ).toEqual([`'../../../main/core/paths': ${message}`])
    expect(await boundaryErrors('src/renderer/src/x.ts', "export * from '../../main/desktop/guards'\n")).toHaveLength(1)
    expect(await boundaryErrors('src/renderer/src/x.ts', "import 'src/main/core/paths'\n")).toHaveLength(1)
  })

  it('may import its own files named main, and the shared folder', async () => {
    expect(await boundaryErrors('src/renderer/src/views/x.ts', "import '../main'\n")).toEqual([]) // src/renderer/src/main.ts
    expect(
      await boundaryErrors('src/renderer/src/x.ts', "import '@shared/contract'\nimport '../../shared/errors'\n"),
    ).toEqual([])
  })

  it('checks .vue files too', async () => {
    const vue = '<script setup lang="ts">\nimport { x } from \'../../../main/core/paths\'\nconsole.log(x)\n</script>\n'
    expect(await boundaryErrors('src/renderer/src/views/X.vue', vue)).toHaveLength(1)
  })
})
