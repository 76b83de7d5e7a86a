/**
 * Text cleaning and tokenization, exactly as the seed pipelines did it. The same functions run at
 * import and when a trained model scores new text, so a model sees what it was trained on.
 */
import type { PreprocessSpec } from '../../../shared/datasets'
import {
  lane1Start,
  lane1Step as importedLane1,
  lane2Start,
  lane2Step as importedLane2,
  mixLanes,
  textHash,
} from './duplicates'
import { fnvStart, fnvStep as importedStep, type TokenInterner } from './vocabulary'

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' }

/** aclImdb reviews carry `<br /><br />` and the odd entity. */
export function stripHtml(text: string): string {
  return text
    .replace(/<[^>]{0,200}>/g, ' ')
    .replace(/&(#\d{1,6}|[a-z]{2,6});/gi, (m, name: string) =>
      name.startsWith('#') ? String.fromCodePoint(Number(name.slice(1))) : (entities[name.toLowerCase()] ?? m),
    )
}

/** The Amazon LSTM's cleaning: URLs become <url> and every digit becomes 0. */
export function basicClean(text: string): string {
  return text.replace(/\b(?:https?:\/\/|www\.)\S+/gi, ' <url> ').replace(/[0-9]/g, '0')
}

/** Kim (2014)'s clean_str: keep letters, digits and a little punctuation, split clitics, lowercase. */
export function kimClean(text: string): string {
  return text
    .replace(/[^A-Za-z0-9(),!?'`]/g, ' ')
    .replace(/'s/g, " 's")
    .replace(/'ve/g, " 've")
    .replace(/n't/g, " n't")
    .replace(/'re/g, " 're")
    .replace(/'d/g, " 'd")
    .replace(/'ll/g, " 'll")
    .replace(/([,!()?])/g, ' $1 ')
    .replace(/\s{2,}/g, ' ')
    .trim()
    .toLowerCase()
}

// Words keep inner apostrophes (don't) and hyphens (well-made); <url> stays one token; any other
// non-space character is a token of its own.
const wordPattern = /<url>|[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/gu

export function tokenize(text: string, tokenizer: PreprocessSpec['tokenizer']): string[] {
  if (tokenizer === 'whitespace') return text.split(/\s+/).filter((t) => t.length > 0)
  return text.match(wordPattern) ?? []
}

// ASCII classes for the fast path: 1 letter or digit, 2 whitespace, 3 an apostrophe or hyphen
// (inside a word), 0 anything else (a token of its own).
const asciiClass = new Uint8Array(128)
for (let c = 48; c < 58; c++) asciiClass[c] = 1
for (let c = 65; c < 91; c++) asciiClass[c] = 1
for (let c = 97; c < 123; c++) asciiClass[c] = 1
for (const c of [9, 10, 11, 12, 13, 32]) asciiClass[c] = 2
asciiClass[39] = 3
asciiClass[45] = 3
const nonAscii = /[\u0080-\uffff]/
// Local bindings: an imported one is a property read per call once transpiled to CommonJS.
const fnvStep = importedStep
const lane1Step = importedLane1
const lane2Step = importedLane2

/**
 * Tokenizes and interns in one pass, pushing ids, and returns the text's `textHash`: what the import
 * does for every review. ASCII text (most reviews) is scanned by char code, each character hashed
 * for the token table and for the text at once, and tokens looked up without a string per token;
 * other text goes through `tokenize`. Both give the same tokens.
 */
export function internTokens(
  text: string,
  tokenizer: PreprocessSpec['tokenizer'],
  interner: TokenInterner,
  push: (id: number) => void,
): number {
  if (nonAscii.test(text)) {
    for (const t of tokenize(text, tokenizer)) push(interner.intern(t))
    return textHash(text)
  }
  let h1 = lane1Start
  let h2 = lane2Start
  const n = text.length
  let i = 0
  while (i < n) {
    const start = i
    let c = text.charCodeAt(i)
    const kind = asciiClass[c]
    let h = fnvStart
    if (kind === 1 && tokenizer === 'word') {
      // A word (most tokens), hashed as it is scanned: letters and digits, joined by single
      // apostrophes or hyphens.
      for (;;) {
        h = fnvStep(h, c)
        h1 = lane1Step(h1, c)
        h2 = lane2Step(h2, c)
        if (++i === n) break
        c = text.charCodeAt(i)
        const next = asciiClass[c]
        if (next === 1 || (next === 3 && i + 1 < n && asciiClass[text.charCodeAt(i + 1)] === 1)) continue
        break
      }
      push(interner.internRange(text, start, i, h))
      continue
    }
    // Otherwise find where the token (or the whitespace character) ends, then hash it.
    if (kind === 2) i++
    else if (tokenizer === 'whitespace') while (i < n && asciiClass[text.charCodeAt(i)] !== 2) i++
    else if (c === 60 && text.startsWith('<url>', i)) i += 5
    else i++
    for (let k = start; k < i; k++) {
      const d = text.charCodeAt(k)
      h = fnvStep(h, d)
      h1 = lane1Step(h1, d)
      h2 = lane2Step(h2, d)
    }
    if (kind !== 2) push(interner.internRange(text, start, i, h))
  }
  return mixLanes(h1, h2)
}

/** Cleaned text, before tokenization (what the wizard's preview shows). */
export function cleanText(text: string, spec: PreprocessSpec): string {
  let t = spec.stripHtml ? stripHtml(text) : text
  if (spec.clean === 'basic') t = basicClean(t)
  else if (spec.clean === 'kim') t = kimClean(t)
  return spec.lowercase ? t.toLowerCase() : t
}
