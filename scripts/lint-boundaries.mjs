// The import boundaries that eslint.config.mjs enforces, as one local rule. ESLint's own
// no-restricted-imports sees neither import() nor require(), and it matches the path as written:
// whether `../../main/x` reaches src/main depends on where the importing file sits.
import { dirname, resolve, sep } from 'node:path'

const electron = {
  package: 'electron',
  message: 'Electron belongs to the desktop shell: import it only under src/main/desktop (or src/preload).',
}
const tensorflow = {
  package: '@tensorflow',
  message:
    'tfjs loads only in job processes and backend probes: import it only under src/main/core/engine or src/main/core/backends.',
}
const main = {
  folder: 'src/main',
  message: 'The renderer reaches main only through the contract (src/shared) and its transports.',
}

/**
 * Reports imports (static, type-only, re-exports, import() and require()) of a `package` (the name or
 * anything under it, `@scope` for a whole scope) or of a path that resolves into a `folder`.
 */
const importsRule = {
  meta: {
    type: 'problem',
    schema: {
      type: 'array',
      items: {
        type: 'object',
        properties: { package: { type: 'string' }, folder: { type: 'string' }, message: { type: 'string' } },
        required: ['message'],
        additionalProperties: false,
      },
    },
  },
  create(context) {
    const restrictions = context.options.map(({ package: name, folder, message }) => {
      const root = folder && resolve(context.cwd, folder)
      const matches = name
        ? (path) => path === name || path.startsWith(`${name}/`)
        : (_path, target) => target === root || target.startsWith(root + sep)
      return { matches, message }
    })
    const check = (source) => {
      if (source?.type !== 'Literal' || typeof source.value !== 'string') return
      const path = source.value
      // Bare paths resolve from the root, as tsconfig's baseUrl "." would resolve `src/main/...`.
      const target = resolve(path.startsWith('.') ? dirname(context.filename) : context.cwd, path)
      const broken = restrictions.find((r) => r.matches(path, target))
      if (broken) context.report({ node: source, message: `'${path}': ${broken.message}` })
    }
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      'CallExpression[callee.name="require"]': (node) => check(node.arguments[0]),
    }
  },
}

const plugins = { boundaries: { rules: { imports: importsRule } } }
const forbid = (...restrictions) => ({ 'boundaries/imports': ['error', ...restrictions] })

/** Flat config blocks, in order: a later block's list replaces an earlier one's for the files it names. */
export const boundaries = [
  { plugins },
  { files: ['src/**/*.{ts,vue}'], rules: forbid(electron, tensorflow) },
  { files: ['src/renderer/**/*.{ts,vue}'], rules: forbid(electron, tensorflow, main) },
  { files: ['src/main/desktop/**/*.ts', 'src/preload/**/*.ts'], rules: forbid(tensorflow) },
  { files: ['src/main/core/engine/**/*.ts', 'src/main/core/backends/**/*.ts'], rules: forbid(electron) },
  // Tests and benchmarks may load tfjs; only the Electron tests may load Electron.
  { files: ['test/**/*.ts', 'bench/**/*.ts'], ignores: ['test/electron/**'], rules: forbid(electron) },
]
