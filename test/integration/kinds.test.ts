import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BUILTIN_KINDS } from '../../src/main/kinds/builtin'
import { loadKinds } from '../../src/main/kinds/registry'
import { dataDirWithKinds, startHost, tempDir, waitFor, waitForStatus } from '../helpers'

describe('custom kinds', () => {
  it('loads every good module and reports each broken one with its error', async () => {
    const registry = await loadKinds(join(dataDirWithKinds(), 'kinds'))
    expect(registry.names()).toEqual(expect.arrayContaining(['add', 'sleep', 'noop', 'shell', 'hash-files']))
    const errors = Object.fromEntries(registry.errors.map((e) => [e.file.split('/').pop(), e.message]))
    expect(Object.keys(errors).sort()).toEqual(['broken-shape.mjs', 'broken-syntax.mjs', 'broken-throws.mjs'])
    expect(errors['broken-throws.mjs']).toBe('this kind refuses to load')
    expect(errors['broken-shape.mjs']).toMatch(/"name" must be a lowercase name/)
    expect(errors['broken-syntax.mjs']).toMatch(/Unexpected token/)
  })

  it('a kind names its jobs and sums up their results; a summary that fails says nothing, the job still succeeds', async () => {
    const host = await startHost({ kinds: ['described.mjs'] })
    const job = host.api.createJob({ kind: 'described', params: { file: 'notes.txt', words: 42 } })
    expect(job.name).toBe('count words in notes.txt')
    expect((await waitForStatus(host, job.id, 'succeeded')).summary).toBe('42 words')
    const quiet = host.api.createJob({ kind: 'described', name: 'by hand', params: { file: 'x', words: 1, failSummary: true } })
    const done = await waitForStatus(host, quiet.id, 'succeeded')
    expect([done.name, done.summary, done.result]).toEqual(['by hand', null, { words: 1, failSummary: true }])
  })

  it('refuses a kind whose jobName or summary is not a function', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'odd.mjs'), "export default { name: 'odd', run() {}, summary: 'fine' }")
    const registry = await loadKinds(dir)
    expect(registry.errors).toEqual([{ file: join(dir, 'odd.mjs'), message: '"summary" must be a function when given' }])
  })

  it('describes each kind with its params as JSON Schema', async () => {
    const registry = await loadKinds(join(dataDirWithKinds(['add.js']), 'kinds'))
    const add = registry.describe().find((k) => k.name === 'add')!
    expect(add).toMatchObject({ source: 'custom', description: 'Test kind: adds two numbers' })
    expect(add.paramsSchema).toMatchObject({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] })
    const shell = registry.describe().find((k) => k.name === 'shell')!
    expect(shell.source).toBe('builtin')
    expect(shell.paramsSchema).toMatchObject({ required: ['command'] })
  })

  it('says what each kind is bound by: CPU unless it says I/O; hash-files waits on the disk', async () => {
    const registry = await loadKinds(join(dataDirWithKinds(['add.js', 'wait-io.mjs']), 'kinds'))
    const bound = Object.fromEntries(registry.describe().map((k) => [k.name, k.bound]))
    const builtins = Object.fromEntries(BUILTIN_KINDS.map((k) => [k.name, k.bound ?? 'cpu']))
    expect(bound).toEqual({ ...builtins, add: 'cpu', 'wait-io': 'io' })
    expect(bound).toMatchObject({ shell: 'cpu', 'hash-files': 'io' })
  })

  it('refuses a kind whose bound is neither cpu nor io', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'odd.mjs'), "export default { name: 'odd', run() {}, bound: 'gpu' }")
    const registry = await loadKinds(dir)
    expect(registry.errors).toEqual([{ file: join(dir, 'odd.mjs'), message: '"bound" must be "cpu" or "io" when given' }])
  })

  it('refuses a custom kind that reuses a built-in name', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'shell.mjs'), "export default { name: 'shell', run() {} }")
    const registry = await loadKinds(dir)
    expect(registry.errors).toEqual([{ file: join(dir, 'shell.mjs'), message: 'kind "shell" is already defined by Offload' }])
    expect(registry.get('shell')!.source).toBe('builtin')
  })

  it('a missing kinds folder is not an error', async () => {
    const registry = await loadKinds(join(tempDir(), 'nothing-here'))
    expect(registry.errors).toEqual([])
    expect(registry.names()).toEqual(BUILTIN_KINDS.map((k) => k.name).sort())
  })

  it('runs a custom kind in a worker like a built-in', async () => {
    const host = await startHost({ kinds: ['add.js'] })
    const job = host.api.createJob({ kind: 'add', params: { a: 40, b: 2 } })
    const done = await waitForStatus(host, job.id, 'succeeded')
    expect(done.result).toEqual({ sum: 42 })
    expect(done.progress).toEqual({ fraction: 1, message: 'added' })
  })
})

describe('job results', () => {
  it('stores a result as JSON, and fails the job clearly when it cannot', async () => {
    const host = await startHost({ kinds: ['odd-results.mjs'] })
    const run = async (what: string) => {
      const job = host.api.createJob({ kind: 'odd-results', params: { what }, maxAttempts: 1 })
      return waitForStatus(host, job.id, ['succeeded', 'failed'])
    }
    expect((await run('undefined')).result).toBeNull()
    expect((await run('map')).result).toEqual({})
    expect((await run('bigint')).error).toMatchObject({ code: 'job_error', message: expect.stringContaining('cannot be stored as JSON') })
    expect((await run('circular')).error).toMatchObject({ code: 'job_error', message: expect.stringContaining('cannot be stored as JSON') })
    expect((await run('huge')).error).toMatchObject({ code: 'job_error', message: expect.stringContaining('the limit is 1 MB') })
  })
})

describe('failures another try cannot mend', () => {
  it.each(['missing_tool'])('a job failing with %s is not retried; job_error is', async (code) => {
    const dataDir = tempDir()
    mkdirSync(join(dataDir, 'kinds'))
    writeFileSync(
      join(dataDir, 'kinds', 'refuse.mjs'),
      "export default { name: 'refuse', run({ code }) { throw Object.assign(new Error('no'), { jobErrorCode: code }) } }",
    )
    const host = await startHost({ dataDir })
    const final = host.api.createJob({ kind: 'refuse', params: { code }, maxAttempts: 3 })
    const other = host.api.createJob({ kind: 'refuse', params: { code: 'job_error' }, maxAttempts: 2 })
    expect(await waitForStatus(host, final.id, 'failed')).toMatchObject({ attempts: 1, error: { code } })
    expect(await waitForStatus(host, other.id, 'failed')).toMatchObject({ attempts: 2, error: { code: 'job_error' } })
  })
})

describe('scratch folder', () => {
  it('gives a job its own folder under the data folder and removes it afterwards', async () => {
    const host = await startHost({ kinds: ['scratch.mjs'] })
    const job = host.api.createJob({ kind: 'scratch' })
    const { dir } = (await waitForStatus(host, job.id, 'succeeded')).result as { dir: string }
    expect(dir).toBe(join(host.dataDir, 'scratch', `${job.id}-1`))
    await waitFor(() => !existsSync(dir), 'the scratch folder to be removed')
  })
})

describe('shell kind', () => {
  it('logs output, reads ::progress lines and returns the tail', async () => {
    const host = await startHost({ kinds: [] })
    const job = host.api.createJob({
      kind: 'shell',
      params: { command: 'echo one; echo "::progress 40 reading"; echo two >&2; echo "$GREETING"', env: { GREETING: 'hello' } },
    })
    const done = await waitForStatus(host, job.id, 'succeeded')
    expect(done.result).toEqual({ exitCode: 0, tail: expect.arrayContaining(['one', 'two', 'hello']) })
    expect(done.name).toMatch(/^shell: echo one; /)
    expect(done.summary?.split('\n').sort()).toEqual(['Exit code 0', 'hello', 'one', 'two'])
    expect(done.progress.message).toBe('reading')
    expect(
      host.api
        .getJobLogs({ id: job.id })
        .lines.map((l) => l.line)
        .sort(),
    ).toEqual(['hello', 'one', 'two'])
  })

  it('runs a command with args directly, in the given folder', async () => {
    const host = await startHost({ kinds: [] })
    const cwd = tempDir()
    const job = host.api.createJob({ kind: 'shell', params: { command: 'pwd', args: [], cwd } })
    expect((await waitForStatus(host, job.id, 'succeeded')).result).toEqual({ exitCode: 0, tail: [cwd] })
    const spaced = host.api.createJob({ kind: 'shell', params: { command: 'printf', args: ['%s|', 'a b', '$HOME'] } })
    expect((await waitForStatus(host, spaced.id, 'succeeded')).result).toEqual({ exitCode: 0, tail: ['a b|$HOME|'] })
  })

  it('fails the attempt with the exit code', async () => {
    const host = await startHost({ kinds: [] })
    const job = host.api.createJob({ kind: 'shell', params: { command: 'echo bad thing; exit 4' }, maxAttempts: 1 })
    const failed = await waitForStatus(host, job.id, 'failed')
    expect(failed.error).toEqual({
      code: 'exit_code',
      message: 'echo bad thing; exit 4 exited with code 4',
      detail: { exitCode: 4, signal: null, tail: ['bad thing'] },
    })
  })

  it('reports a command that does not exist', async () => {
    const host = await startHost({ kinds: [] })
    const job = host.api.createJob({ kind: 'shell', params: { command: 'no-such-program-here', args: ['x'] }, maxAttempts: 1 })
    const failed = await waitForStatus(host, job.id, 'failed')
    expect(failed.error).toMatchObject({ code: 'exit_code', message: expect.stringContaining('Could not start no-such-program-here') })
  })
})

describe('hash-files kind', () => {
  it('hashes every file and groups duplicates, with progress by bytes', async () => {
    const host = await startHost({ kinds: [] })
    const folder = tempDir()
    mkdirSync(join(folder, 'sub', 'deeper'), { recursive: true })
    const big = 'x'.repeat(200_000)
    writeFileSync(join(folder, 'a.txt'), big)
    writeFileSync(join(folder, 'sub', 'b.txt'), big)
    writeFileSync(join(folder, 'sub', 'deeper', 'c.txt'), big)
    writeFileSync(join(folder, 'unique.txt'), 'only me')
    writeFileSync(join(folder, 'empty1'), '')
    writeFileSync(join(folder, 'sub', 'empty2'), '')
    symlinkSync(join(folder, 'a.txt'), join(folder, 'link-to-a'))
    const job = host.api.createJob({ kind: 'hash-files', params: { folder } })
    const done = await waitForStatus(host, job.id, 'succeeded')
    expect(done.progress.fraction).toBe(1)
    expect(done.result).toEqual({
      files: 6,
      bytes: 600_007,
      unreadable: 0,
      duplicateGroupsTotal: 2,
      duplicateGroups: [
        { hash: expect.stringMatching(/^[0-9a-f]{64}$/), size: 200_000, paths: ['a.txt', 'sub/b.txt', 'sub/deeper/c.txt'] },
        { hash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', size: 0, paths: ['empty1', 'sub/empty2'] },
      ],
    })
    expect(done.name).toBe(`hash-files: ${folder}`)
    expect(done.summary).toBe(
      [
        '6 files, 585.9 KiB · 2 groups of duplicates · 390.6 KiB to reclaim',
        '195.3 KiB × 3: a.txt, sub/b.txt, sub/deeper/c.txt',
        '0 B × 2: empty1, sub/empty2',
      ].join('\n'),
    )
  })

  it('rejects a relative path or a file in place of a folder', async () => {
    const host = await startHost({ kinds: [] })
    const file = join(tempDir(), 'f')
    writeFileSync(file, 'x')
    expect(() => host.api.createJob({ kind: 'hash-files', params: { folder: 'photos' } })).toThrowError(/Must be an absolute path/)
    expect(() => host.api.createJob({ kind: 'hash-files', params: { folder: file } })).toThrowError(/Is a file, not a folder/)
    expect(() => host.api.createJob({ kind: 'hash-files', params: { folder: '/tmp', extra: 1 } })).toThrowError(/Unrecognized key/)
  })
})
