import { ApiError } from '@shared/errors'
import { describe, expect, it } from 'vitest'
import { dismissError, errors, reportError } from '../../../src/renderer/src/composables/errors'

describe('the error alerts of the page', () => {
  it('shows one alert per message, and a message again once its alert is dismissed', () => {
    errors.value = []
    const lost = new Error('Lost connection to the Sentiment Studio server.')
    reportError(lost)
    reportError(new Error(lost.message)) // a second request in flight failing the same way
    reportError(new ApiError('invalid_payload', 'Batch size must be at least 1.', 'batchSize'))
    expect(errors.value.map((e) => e.message)).toEqual([
      'Lost connection to the Sentiment Studio server.',
      'Batch size must be at least 1. (field: batchSize)',
    ])
    dismissError(errors.value.find((e) => e.message === lost.message)?.id ?? -1)
    reportError(lost)
    expect(errors.value.map((e) => e.message)).toEqual([
      'Batch size must be at least 1. (field: batchSize)',
      'Lost connection to the Sentiment Studio server.',
    ])
  })
})
