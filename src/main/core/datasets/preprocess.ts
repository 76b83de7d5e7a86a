/**
 * Text cleaning and tokenization, exactly as the seed pipelines did it. The same functions run at
 * import and when a trained model scores new text, so a model sees what it was trained on.
 */
import type { PreprocessSpec } from '../../../shared/datasets'

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

/** Cleaned text, before tokenization (what the wizard's preview shows). */
export function cleanText(text: string, spec: PreprocessSpec): string {
  let t = spec.stripHtml ? stripHtml(text) : text
  if (spec.clean === 'basic') t = basicClean(t)
  else if (spec.clean === 'kim') t = kimClean(t)
  return spec.lowercase ? t.toLowerCase() : t
}

export function preprocess(text: string, spec: PreprocessSpec): string[] {
  return tokenize(cleanText(text, spec), spec.tokenizer)
}
