/**
 * Raw texts to a model's token ids, cleaned and tokenized as its training data was, without tfjs:
 * a score job's reading thread encodes its batches with it while the job's main thread scores.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { PreprocessSpec } from '../../../shared/datasets'
import { cleanText, internTokens, tokenize } from '../datasets/preprocess'
import { TokenInterner, unkId } from '../datasets/vocabulary'

export interface EncodedTexts {
  ids: Int32Array
  /** Text i's ids are ids[offsets[i], offsets[i + 1]). */
  offsets: Uint32Array
}

/** A bundle's vocabulary (`vocab.txt`, a token a line, id = line number). */
export async function readBundleVocab(dir: string): Promise<Map<string, number>> {
  const tokens = (await readFile(join(dir, 'vocab.txt'), 'utf8')).split('\n').slice(0, -1)
  return new Map(tokens.map((t, i) => [t, i]))
}

export class TextIds {
  /**
   * The vocabulary as the import's interner, frozen: it tokenizes and looks tokens up straight from
   * the text without a string per token (the import's own path, so the same tokens). Null if the
   * vocabulary repeats a token (ids would not line up): the map is used then.
   */
  private readonly interner: TokenInterner | null

  constructor(
    private readonly spec: PreprocessSpec,
    private readonly vocab: Map<string, number>,
  ) {
    const built = new TokenInterner()
    let aligned = true
    for (const [t, id] of vocab) aligned = built.intern(t) === id && aligned
    this.interner = aligned ? built.freeze(unkId) : null
  }

  /** Unknown tokens are `<unk>` and never added, so memory stays bounded whatever is scored. */
  encode(texts: string[]): EncodedTexts {
    const { spec, interner, vocab } = this
    let ids = new Int32Array(Math.max(1024, texts.length * 256))
    let at = 0
    const push = (id: number) => {
      if (at === ids.length) {
        const more = new Int32Array(ids.length * 2)
        more.set(ids)
        ids = more
      }
      ids[at++] = id
    }
    const offsets = new Uint32Array(texts.length + 1)
    texts.forEach((text, i) => {
      const cleaned = cleanText(text, spec)
      if (interner) internTokens(cleaned, spec.tokenizer, interner, push)
      else for (const t of tokenize(cleaned, spec.tokenizer)) push(vocab.get(t) ?? unkId)
      offsets[i + 1] = at
    })
    return { ids: ids.subarray(0, at), offsets }
  }
}
