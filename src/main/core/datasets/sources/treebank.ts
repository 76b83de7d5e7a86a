/**
 * Sentiment treebank: PTB-style trees with a label on every node, one tree per line, as the
 * Stanford Sentiment Treebank ships them: `(3 (2 The) (4 (3 gorgeously) (2 elaborate)))`. Each tree
 * is a sentence with its root's label. With `phrases`, a training tree also yields every labelled
 * phrase under it (each inner node's words, once per tree), marked `phrase` so the import keeps it
 * with its sentence's split and only in train: validation and test stay whole sentences.
 */
import type { SourceSpecOf } from '../../../../shared/datasets'
import { labelMapper } from './labels'
import type { SourceNotes } from './notes'
import { lineExamples } from './line-examples'
import type { RawExample, ReadContext } from './types'

/** PTB's escapes for brackets, and the backslash before `/` and `*`. */
const escapes: Record<string, string> = {
  '-LRB-': '(',
  '-RRB-': ')',
  '-LSB-': '[',
  '-RSB-': ']',
  '-LCB-': '{',
  '-RCB-': '}',
}
const unescape = (word: string) => escapes[word] ?? word.replace(/\\([/*])/g, '$1')

export interface TreePhrase {
  label: string
  text: string
}

/** Thrown for a line that is not one labelled tree; the message says where in the line. */
export class TreeError extends Error {}

/**
 * The tree's phrases, root last: each node's label and the words under it. Iterative, so a deep
 * tree cannot overflow the stack.
 */
export function parseTree(line: string): TreePhrase[] {
  const tokens = line.match(/\(|\)|[^\s()]+/g) ?? []
  const out: TreePhrase[] = []
  // Per open node: its label and where its words start in `words`.
  const open: { label: string; from: number; children: number }[] = []
  const words: string[] = []
  let closedRoot = false
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    if (closedRoot) throw new TreeError(`text after the tree ends ("${t}"); put one tree per line`)
    if (t === '(') {
      const label = tokens[i + 1]
      if (label === undefined || label === '(' || label === ')')
        throw new TreeError(`a node without a label at "(${label ?? ''}"; every node needs one, as in (3 word)`)
      if (open.length) open.at(-1)!.children++
      open.push({ label, from: words.length, children: 0 })
      i++
    } else if (t === ')') {
      const node = open.pop()
      if (!node) throw new TreeError('a ")" closes no node; the brackets do not balance')
      if (node.children === 0) throw new TreeError(`the node (${node.label}) has no word`)
      out.push({ label: node.label, text: words.slice(node.from).join(' ') })
      if (open.length === 0) closedRoot = true
    } else {
      const node = open.at(-1)
      if (!node) throw new TreeError(`"${t}" is outside any node; a tree starts with "("`)
      node.children++
      words.push(unescape(t))
    }
  }
  if (open.length) throw new TreeError(`${open.length} node${open.length > 1 ? 's are' : ' is'} not closed; add ")"`)
  if (!closedRoot) throw new TreeError('no tree; a tree starts with "("')
  return out
}

/** A line that looks like a labelled tree: what detection checks on the first line. */
export const looksLikeTree = (line: string): boolean =>
  /^\(\s*[^\s()]+\s+[^\s]/.test(line.trim()) && line.trim().endsWith(')')

export function readTreebank(
  spec: SourceSpecOf<'treebank'>,
  ctx: ReadContext,
  notes: SourceNotes,
): AsyncGenerator<RawExample> {
  const toLabel = labelMapper(spec, 'line')
  return lineExamples(spec, ctx, notes, (text, lineNo, path, split) => {
    const where = `${path}:${lineNo}`
    let tree: TreePhrase[]
    try {
      tree = parseTree(text)
    } catch (err) {
      if (!(err instanceof TreeError)) throw err
      ctx.problem({ where, message: `line ${lineNo} is not a labelled tree: ${err.message}; skipped` })
      return null
    }
    const root = tree.at(-1)!
    notes.labels.add(root.label)
    const mapped = toLabel(root.label)
    if ('skip' in mapped) {
      ctx.problem({ where, message: `line ${lineNo}: ${mapped.skip}` })
      return null
    }
    const sentence: RawExample = { text: root.text, label: mapped.label, split, source: path, line: lineNo }
    if (!spec.phrases || split === 'test') return sentence
    // A phrase whose label the mapping drops is left out quietly: its sentence was listed if it was.
    const made = [sentence]
    const seen = new Set([root.text])
    for (const p of tree) {
      if (seen.has(p.text)) continue
      seen.add(p.text)
      const m = toLabel(p.label)
      if ('label' in m) made.push({ text: p.text, label: m.label, split, source: path, line: lineNo, phrase: true })
    }
    return made
  })
}
