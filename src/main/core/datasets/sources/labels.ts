/** From a source's raw label to a class name: as is, through the user's mapping, or by a threshold. */
import type { SourceSpec } from '../../../../shared/datasets'

export type LabelResult = { label: string } | { skip: string }

export function labelMapper(spec: SourceSpec): (raw: string) => LabelResult {
  const { labelMap, labelThreshold } = spec
  if (labelMap) {
    const known = Object.keys(labelMap)
    return (raw) => {
      const mapped = labelMap[raw]
      return mapped !== undefined
        ? { label: mapped }
        : {
            skip: `label "${raw}" is not in the label mapping (${known.join(', ')}); add it to the mapping or remove the example`,
          }
    }
  }
  if (labelThreshold) {
    const { threshold, below, atOrAbove, drop } = labelThreshold
    return (raw) => {
      const value = Number(raw)
      if (raw.trim() === '' || !Number.isFinite(value))
        return { skip: `label "${raw}" is not a number, so the threshold cannot place it` }
      if (drop.includes(value)) return { skip: `label ${raw} is left out by the mapping (neutral)` }
      return { label: value < threshold ? below : atOrAbove }
    }
  }
  return (raw) => (raw.trim() === '' ? { skip: 'the label is empty' } : { label: raw.trim() })
}
