/** Learning rate at a step: constant, step decay, linear warm-up then cosine decay (MindSpore's dynamic LR), or linear decay to zero (fastText's). */
import type { TrainConfig } from '../../../shared/training/config'

export function learningRateAt(config: TrainConfig, step: number, totalSteps: number): number {
  const base = config.learningRate
  switch (config.schedule) {
    case 'constant':
      return base
    case 'step':
      return base * config.decayRate ** Math.floor(step / config.decaySteps)
    case 'linear':
      // fastText's: from the base rate down to zero at the last step.
      return base * Math.max(0, 1 - step / Math.max(1, totalSteps))
    case 'warmup-cosine': {
      if (step < config.warmupSteps) return (base * (step + 1)) / config.warmupSteps
      const span = Math.max(1, totalSteps - config.warmupSteps)
      const progress = Math.min(1, (step - config.warmupSteps) / span)
      return config.minLearningRate + ((base - config.minLearningRate) * (1 + Math.cos(Math.PI * progress))) / 2
    }
  }
}
