import { describe, expect, it } from 'vitest'
import { filesText, folderText, paintState, stateLine, watchDetail, watchTable } from '../../src/main/cli/watch-output'
import type { Watch } from '../../src/shared/watch'

// On this machine's clock, as the command prints: the tests read the same whatever zone they run in.
const now = new Date(2026, 11, 2, 15, 0, 0)
const at = (day: number, hours: number, minutes = 0): string => new Date(2026, 11, day, hours, minutes).toISOString()

const watch = (over: Partial<Watch>): Watch => ({
  id: '01JD3QZ8Y7W6V5T4S3R2Q1P0AB',
  path: '/home/me/Scans',
  glob: '*.pdf',
  recursive: true,
  kind: 'shell',
  paramsTemplate: { command: 'lpr', args: ['{{path}}'] },
  priority: 'normal',
  lane: null,
  slots: 1,
  settleMs: 2000,
  enabled: true,
  createdAt: at(1, 9),
  state: 'watching',
  stateMessage: null,
  pendingFiles: 2,
  handedOver: 14,
  lastFileAt: at(2, 14, 30),
  lastJobId: '01JD3QZ8Y7W6V5T4S3R2Q1P0NM',
  lastSkipped: null,
  ...over,
})

const missing = watch({
  id: '01JD3QZ8Y7W6V5T4S3R2Q1P0CD',
  path: '/media/usb/a folder with a name far too long for any list',
  glob: '*',
  recursive: false,
  kind: 'hash-files',
  state: 'missing',
  stateMessage: 'No folder at /media/usb/…; watching starts when it appears (looking every 2 s)',
  pendingFiles: 0,
  handedOver: 0,
})

describe('watches on the command line', () => {
  it('says the state with what it means, when there is something to say', () => {
    expect(stateLine(watch({}))).toBe('watching')
    expect(stateLine(missing)).toBe('missing: No folder at /media/usb/…; watching starts when it appears (looking every 2 s)')
  })

  it('writes a folder under home as ~, and no other', () => {
    expect(folderText('/home/me/Scans', '/home/me')).toBe('~/Scans')
    expect(folderText('/home/me', '/home/me/')).toBe('~')
    expect(folderText('/home/meg/Scans', '/home/me')).toBe('/home/meg/Scans')
    expect(folderText('C:\\Users\\me\\Scans', 'C:\\Users\\me')).toBe('~\\Scans')
    expect(folderText('/srv/drop', undefined)).toBe('/srv/drop')
  })

  it('says when only the files directly in the folder count', () => {
    expect([filesText(watch({})), filesText(missing)]).toEqual(['*.pdf', '* (top level)'])
  })

  it('paints the state only in colour', () => {
    expect(paintState('missing', 'missing', false)).toBe('missing')
    expect(paintState('watching', 'watching', true)).toBe('\x1b[32mwatching\x1b[0m')
  })

  it('fits the list to the terminal: pending, kind, glob and handed-over give way, the folder keeps its end, and no row is wider', () => {
    const watches = [watch({}), missing]
    const wide = watchTable(watches, { columns: 200, colour: false, home: '/home/me' }).split('\n')
    expect(wide[0]).toMatch(/^ID +STATE +FOLDER +GLOB +KIND +HANDED +PENDING$/)
    expect(wide[1]).toMatch(/^01JD3QZ8Y7W6V5T4S3R2Q1P0AB watching ~\/Scans +\*\.pdf +shell +14 +2$/)
    expect(wide[2]).toMatch(
      /^01JD3QZ8Y7W6V5T4S3R2Q1P0CD missing +\/media\/usb\/a folder with a name far too long for any list \* \(top level\) hash-files +0 +0$/,
    )
    // The counts are right-aligned under their titles.
    expect(wide[1]!.length).toBe(wide[0]!.length)
    for (const [columns, header] of [
      [100, /^ID +STATE +FOLDER +GLOB +KIND +HANDED +PENDING$/],
      [85, /^ID +STATE +FOLDER +GLOB +KIND +HANDED$/],
      [75, /^ID +STATE +FOLDER +GLOB +HANDED$/],
      [60, /^ID +STATE +FOLDER +HANDED$/],
      [50, /^ID +STATE +FOLDER$/],
      [30, /^ID +ST…$/],
    ] as const) {
      const lines = watchTable(watches, { columns, colour: false, home: '/home/me' }).split('\n')
      expect([columns, lines[0]]).toEqual([columns, expect.stringMatching(header)])
      for (const line of lines) expect([...line].length).toBeLessThanOrEqual(columns)
    }
    // The folder gets what the other columns leave, cut at its start.
    const narrow = watchTable(watches, { columns: 70, colour: false }).split('\n')
    expect(narrow[2]).toBe('01JD3QZ8Y7W6V5T4S3R2Q1P0CD missing  …for any list * (top level)      0')
    expect(narrow[1]).toBe('01JD3QZ8Y7W6V5T4S3R2Q1P0AB watching …ome/me/Scans *.pdf             14')
  })

  it('colours the state in the table, and never when the lines are cut', () => {
    expect(watchTable([missing], { columns: 200, colour: true })).toContain('\x1b[33mmissing\x1b[0m')
    expect(watchTable([missing], { columns: 30, colour: true })).not.toContain('\x1b[')
  })

  it('shows a watch in full: state and message, files, params, counts, and the last job and skipped file', () => {
    const skipped = { path: 'sub/b.pdf', message: 'Invalid params for "shell": cwd: No such folder', at: at(2, 14, 45) }
    expect(watchDetail(watch({ lastSkipped: skipped }), { now: now.getTime(), colour: false }).split('\n')).toEqual([
      '/home/me/Scans (01JD3QZ8Y7W6V5T4S3R2Q1P0AB)',
      '  state:      watching',
      '  files:      *.pdf, in subfolders too',
      '  kind:       shell',
      '  params:     {"command":"lpr","args":["{{path}}"]}',
      '  priority:   normal',
      '  settle:     2s unchanged before a file’s job is made',
      '  enabled:    yes',
      '  pending:    2 files waiting to stay unchanged',
      '  handed:     14 files in the folder handed over as jobs',
      '  last file:  14:30',
      '  last job:   01JD3QZ8Y7W6V5T4S3R2Q1P0NM',
      '  skipped:    sub/b.pdf (14:45): Invalid params for "shell": cwd: No such folder',
      '  created:    Tue 09:00',
    ])
    const text = watchDetail({ ...missing, lastFileAt: null, lastJobId: null, settleMs: 150 }, { now: now.getTime(), colour: false })
    expect(text).toContain('\n  state:      missing: No folder at /media/usb/…; watching starts when it appears (looking every 2 s)\n')
    expect(text).toContain('\n  files:      *, only those directly in the folder\n')
    expect(text).toContain('\n  settle:     150ms unchanged')
    expect(text).toContain('\n  pending:    0 files waiting')
    expect(text).toMatch(/\n {2}last file: +—\n {2}last job: +—\n {2}skipped: +—\n/)
  })
})
