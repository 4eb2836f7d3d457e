import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { fieldsOf, fromParams, toParams, type JsonSchema } from '../../../src/shared/schema-form'
import { eta, formatDuration, jobDuration } from '../../../src/renderer/src/format'
import { shellKind } from '../../../src/main/kinds/shell'
import type { Job } from '../../../src/shared/job'

const schemaOf = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema

describe('forms generated from a kind’s params schema', () => {
  it('turns the shell kind’s schema into fields, in order, with what is required', () => {
    const fields = fieldsOf(schemaOf(shellKind.params))
    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['command', 'text', true],
      ['args', 'lines', false],
      ['cwd', 'text', false],
      ['env', 'pairs', false],
    ])
  })

  it('reads values into params and says what is wrong with each field', () => {
    const fields = fieldsOf(
      schemaOf(z.object({ n: z.number().int(), ratio: z.number(), on: z.boolean(), mode: z.enum(['a', 'b']), files: z.array(z.string()), extra: z.unknown() })),
    )
    expect(fields.map((f) => f.kind)).toEqual(['integer', 'number', 'boolean', 'select', 'lines', 'json'])
    expect(toParams(fields, { n: '3', ratio: '0.5', on: true, mode: 'b', files: 'a.txt\n\n b.txt ', extra: '{"x":1}' })).toEqual({
      params: { n: 3, ratio: 0.5, on: true, mode: 'b', files: ['a.txt', 'b.txt'], extra: { x: 1 } },
      errors: {},
    })
    expect(toParams(fields, { n: '2.5', ratio: 'lots', extra: '{' }).errors).toEqual({
      n: 'A whole number',
      ratio: 'A number',
      mode: 'Required',
      files: 'Required',
      extra: 'Not valid JSON',
    })
    const env = fieldsOf(schemaOf(shellKind.params))
    expect(toParams(env, { command: 'x', env: 'A=1\nB=two=2' }).params).toEqual({ command: 'x', env: { A: '1', B: 'two=2' } })
    expect(toParams(env, { command: 'x', env: 'oops' }).errors).toEqual({ env: '"oops" is not NAME=value' })
  })
})

describe('a job’s params back into the form (Run again…)', () => {
  it('gives back what toParams read, for every kind of field', () => {
    const fields = fieldsOf(
      schemaOf(
        z.object({
          command: z.string().meta({ multiline: true }),
          n: z.number().int(),
          on: z.boolean(),
          mode: z.enum(['fast', 'slow']),
          args: z.array(z.string()),
          env: z.record(z.string(), z.string()),
          extra: z.union([z.number(), z.object({ a: z.number() })]),
        }),
      ),
    )
    expect(fields[0]).toMatchObject({ name: 'command', kind: 'text', multiline: true })
    const params = { command: 'set -e\necho one\necho two', n: 4, on: true, mode: 'slow', args: ['a b', 'c'], env: { A: '1', B: 'x=y' }, extra: { a: 1 } }
    const values = fromParams(fields, params)
    expect(values.command).toBe('set -e\necho one\necho two')
    expect(toParams(fields, values)).toEqual({ params, errors: {} })
  })

  it('leaves out what the job did not set, and reads nothing from a params value that is not an object', () => {
    const fields = fieldsOf(schemaOf(z.object({ a: z.string().optional(), b: z.number().optional() })))
    expect(fromParams(fields, { a: 'x' })).toEqual({ a: 'x' })
    expect(fromParams(fields, null)).toEqual({})
  })
})

describe('time formatting', () => {
  it('formats durations for people', () => {
    expect([formatDuration(250), formatDuration(4200), formatDuration(125_000), formatDuration(3_900_000), formatDuration(NaN)]).toEqual([
      '250 ms',
      '4 s',
      '2 min 5 s',
      '1 h 5 min',
      '—',
    ])
  })

  it('estimates time left from the pace so far, only once there is a pace', () => {
    const job = { status: 'running', startedAt: new Date(0).toISOString(), progress: { fraction: 0.25, message: null } } as Job
    expect(eta(job, 10_000)).toBe(30_000)
    expect(eta({ ...job, progress: { fraction: 0.01, message: null } }, 10_000)).toBeNull()
    expect(eta({ ...job, status: 'queued' }, 10_000)).toBeNull()
  })

  it('says nothing of time left, and no negative duration, for a job the panel’s clock sees as just begun or not yet begun', () => {
    // A job that reports 50 % at once, seen by a panel whose clock is a little behind the server's.
    const job = { status: 'running', startedAt: new Date(10_000).toISOString(), finishedAt: null, progress: { fraction: 0.5, message: null } } as Job
    expect(eta(job, 9_400)).toBeNull()
    expect(eta(job, 10_300)).toBeNull()
    expect(jobDuration(job, 9_400)).toBe(0)
    expect(formatDuration(jobDuration(job, 9_400)!)).toBe('0 ms')
    expect(eta(job, 12_000)).toBe(2_000)
  })
})
