/**
 * The wizard's figures over the whole source: an archive that lists every negative review before the
 * positive ones shows its real class shares, lengths and vocabulary, where its first examples did not.
 */
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { cleanText, tokenize } from '../../src/main/core/datasets/preprocess'
import { preprocessSchema, type SourceProfile } from '../../src/shared/datasets'
import { appContext, finished } from '../fixtures/app'
import { makeAclImdbTarGz, review } from '../fixtures/dataset-files'
import { useTempDir } from '../fixtures/temp-dir'

const tempDir = useTempDir()

describe('profiling a whole source', () => {
  it('gives the class shares, lengths and vocabulary of all of an archive ordered by class', async () => {
    // Each split lists its 300 negative reviews, then its 300 positive ones.
    const archive = await makeAclImdbTarGz(join(tempDir(), 'ordered.tar.gz'), 300)
    const ctx = appContext(tempDir())
    try {
      const job = await finished(ctx, await ctx.invoke('datasets.profile', { source: { path: archive } }))
      expect(job.error).toBeNull()
      const profile = job.result as SourceProfile
      expect(profile.examples).toBe(1200)
      expect(profile.labels).toEqual({ neg: 600, pos: 600 })

      // The same figures counted here from the texts the archive holds.
      const texts = (['neg', 'pos'] as const).flatMap((label) =>
        Array.from({ length: 300 }, (_, i) => review(label, i)),
      )
      const tokens = texts.map((t) => tokenize(cleanText(t, preprocessSchema.parse({})), 'word'))
      const lengths = tokens.map((t) => t.length).sort((a, b) => a - b)
      expect(profile.lengths.max).toBe(lengths.at(-1))
      expect(profile.lengths.median).toBe(lengths[Math.floor(lengths.length / 2)])
      // The vocabulary keeps <pad> and <unk> besides the words.
      expect(profile.vocabSize).toBe(new Set(tokens.flat()).size + 2)
    } finally {
      await ctx.close()
    }
  })
})
