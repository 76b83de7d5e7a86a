import { describe, expect, it } from 'vitest'
import { toCsv } from '../../src/shared/csv'

describe('CSV', () => {
  it('quotes what needs quoting, doubles quotes and keeps formulas text', () => {
    expect(
      toCsv(
        ['name', 'acc'],
        [
          ['plain', '0.5'],
          ['a, "b"', '-0.25'],
          ['line\nbreak', '=1+1'],
        ],
      ),
    ).toBe('name,acc\r\nplain,0.5\r\n"a, ""b""",-0.25\r\n"line\nbreak",\'=1+1\r\n')
  })
})
