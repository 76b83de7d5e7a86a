/** The first words of a text, for the results table: whitespace runs flattened, cut at a word before 160 characters. */
export function snippetOf(text: string): string {
  // A long text's flattened start is its flattened whole's start: only the start that flattens
  // (whitespace runs to one space) to a little more than the snippet is flattened, unless it holds
  // too little (a space the scan below missed, such as U+00A0, makes it shorter: then the whole).
  if (text.length > 200) {
    const head = text.slice(0, snippetSpan(text, 176)).replace(/\s+/g, ' ').trimStart()
    if (head.length > 170) return cutSnippet(head)
  }
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 160 ? cutSnippet(flat) : flat
}

/**
 * How many characters of `text` flatten to about `chars` characters (ASCII whitespace runs count as
 * one; leading ones as none): the regular expression then runs on a couple of hundred characters
 * instead of a long review's start.
 */
function snippetSpan(text: string, chars: number): number {
  let count = 0
  let space = true
  let i = 0
  for (; i < text.length && count < chars; i++) {
    const c = text.charCodeAt(i)
    if (c === 32 || (c >= 9 && c <= 13)) {
      if (!space) count++
      space = true
    } else {
      count++
      space = false
    }
  }
  return i
}

const cutSnippet = (flat: string) => `${flat.slice(0, 160).replace(/\s\S*$/, '')}…`
