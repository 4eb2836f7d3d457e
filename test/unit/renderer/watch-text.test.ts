import { describe, expect, it } from 'vitest'
import { fieldsOf } from '../../../src/shared/schema-form'
import { WATCH_STATES } from '../../../src/shared/watch'
import {
  globText,
  handedOverText,
  pendingText,
  readSettle,
  savedText,
  settleSeconds,
  settleText,
  skippedText,
  STATE_LABELS,
  stateTone,
  templateStart,
  watchErrorsByField,
} from '../../../src/renderer/src/watch-text'

const now = Date.parse('2026-03-04T12:00:00Z')
const MIN = 60_000
const iso = (ms: number): string => new Date(ms).toISOString()
const hhmm = (ms: number): string => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })

describe('a watch’s state', () => {
  it('has a label for every state the server gives', () => {
    for (const state of WATCH_STATES) expect(STATE_LABELS[state]).toMatch(/^[A-Z]/)
    expect(STATE_LABELS.not_a_folder).toBe('Not a folder')
  })

  it('stands out when the folder is missing, unreadable or a file', () => {
    expect(stateTone('watching')).toBe('ok')
    expect(stateTone('scanning')).toBe('busy')
    expect(stateTone('disabled')).toBe('off')
    expect(['missing', 'unreadable', 'not_a_folder'].map((s) => stateTone(s as 'missing'))).toEqual(['problem', 'problem', 'problem'])
  })
})

describe('the word once a watch is saved', () => {
  it('says whether it watches now, and if not, why', () => {
    expect(savedText({ path: '/in', state: 'scanning' }, true)).toBe('Watching /in')
    expect(savedText({ path: '/in', state: 'watching' }, false)).toBe('Saved the watch on /in')
    expect(savedText({ path: '/in', state: 'missing' }, true)).toBe('Saved: watching starts when /in appears')
    expect(savedText({ path: '/in', state: 'unreadable' }, true)).toBe("Saved, but /in can't be watched: unreadable")
    expect(savedText({ path: '/in', state: 'disabled' }, true)).toBe('Saved the watch on /in, disabled')
  })
})

describe('what a watch has handed over', () => {
  it('counts the files and says when the last came', () => {
    expect(handedOverText({ handedOver: 0, lastFileAt: null }, now)).toBe('No files handed over yet')
    expect(handedOverText({ handedOver: 3, lastFileAt: iso(now - 2 * MIN) }, now)).toBe(`3 files handed over, last 2 min ago · ${hhmm(now - 2 * MIN)}`)
    expect(handedOverText({ handedOver: 1, lastFileAt: iso(now - 10_000) }, now)).toMatch(/^1 file handed over, last just now · /)
    expect(handedOverText({ handedOver: 1200, lastFileAt: null }, now)).toBe(`${(1200).toLocaleString()} files handed over`)
    // Its files deleted since: none present, but one did come.
    expect(handedOverText({ handedOver: 0, lastFileAt: iso(now - 5 * MIN) }, now)).toMatch(/^0 files handed over, last 5 min ago/)
  })

  it('says how many files are still settling', () => {
    expect(pendingText(0)).toBe('none')
    expect(pendingText(1)).toBe('1 file settling')
    expect(pendingText(4)).toBe('4 files settling')
  })

  it('names the glob and whether subfolders count', () => {
    expect(globText('*.pdf', true)).toBe('*.pdf, subfolders included')
    expect(globText('*', false)).toBe('*, this folder only')
  })

  it('says which file was skipped, why and when', () => {
    expect(skippedText({ path: 'a/b.txt', message: 'ms: Expected number', at: iso(now - 3 * MIN) }, now)).toBe(
      `a/b.txt: ms: Expected number (3 min ago · ${hhmm(now - 3 * MIN)})`,
    )
  })
})

describe('the settle time', () => {
  it('is typed in seconds, within the server’s bounds', () => {
    expect(readSettle('2')).toEqual({ ms: 2000, error: null })
    expect(readSettle(' 0.25 ')).toEqual({ ms: 250, error: null })
    expect(readSettle('0.1')).toEqual({ ms: 100, error: null })
    expect(readSettle('600')).toEqual({ ms: 600_000, error: null })
    for (const bad of ['', '0', '0.05', '601', 'soon', '-1']) expect(readSettle(bad), bad).toEqual({ ms: null, error: 'Seconds, from 0.1 to 600' })
  })

  it('reads back as it was typed, and is said the short way', () => {
    expect(settleSeconds(2000)).toBe('2')
    expect(settleSeconds(250)).toBe('0.25')
    expect(settleText(2000)).toBe('2 s')
    expect(settleText(300)).toBe('0.3 s')
    expect(settleText(60_000)).toBe('1 min')
    expect(settleText(90_000)).toBe('1 min 30 s')
  })
})

describe('the server’s word on a watch, by field', () => {
  it('puts template problems by the param, the watch’s own by their field, the rest on the form', () => {
    expect(
      watchErrorsByField([
        { path: 'path', message: 'A file, not a folder' },
        { path: 'paramsTemplate.command', message: 'Too small' },
        { path: 'paramsTemplate.env.HOME', message: 'Expected string' },
        { path: 'settleMs', message: 'Too small: expected number to be >=100' },
        { path: 'paramsTemplate', message: 'Unrecognized key: "x"' },
        { path: '', message: 'Bad' },
        { path: 'kind', message: 'No kind "nope"' },
      ]),
    ).toEqual({
      params: { command: 'Too small', env: 'Expected string' },
      fields: { path: 'A file, not a folder', settleMs: 'Too small: expected number to be >=100', kind: 'No kind "nope"', _: 'Unrecognized key: "x"; Bad' },
    })
  })
})

describe('a new watch’s template', () => {
  it('fills params that name a file or a folder with their placeholder, and leaves the rest', () => {
    const fields = fieldsOf({
      type: 'object',
      properties: {
        path: { type: 'string' },
        folder: { type: 'string' },
        command: { type: 'string', multiline: true },
        ms: { type: 'integer' },
        file: { type: 'string' },
      },
    })
    expect(templateStart(fields)).toEqual({ path: '{{path}}', folder: '{{dir}}', file: '{{path}}' })
    expect(templateStart([])).toEqual({})
  })
})
