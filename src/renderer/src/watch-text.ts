import type { Field, FormValues } from '../../shared/schema-form'
import type { Watch, WatchState } from '../../shared/watch'
import { MAX_SETTLE_MS, MIN_SETTLE_MS } from '../../shared/vocabulary'
import { pastText } from './schedule-text'

/** What a watch is doing, in a word or two. */
export const STATE_LABELS: Record<WatchState, string> = {
  scanning: 'Scanning',
  watching: 'Watching',
  disabled: 'Disabled',
  missing: 'Missing',
  unreadable: 'Unreadable',
  not_a_folder: 'Not a folder',
}

/** How a state looks: all well, at work, switched off, or wanting the user's attention. */
export type StateTone = 'ok' | 'busy' | 'off' | 'problem'

export function stateTone(state: WatchState): StateTone {
  if (state === 'watching') return 'ok'
  if (state === 'scanning') return 'busy'
  if (state === 'disabled') return 'off'
  return 'problem'
}

/** The toast once a watch is saved: what it does now, or why it can't yet. */
export function savedText(watch: Pick<Watch, 'path' | 'state'>, isNew: boolean): string {
  if (watch.state === 'missing') return `Saved: watching starts when ${watch.path} appears`
  if (stateTone(watch.state) === 'problem') return `Saved, but ${watch.path} can't be watched: ${STATE_LABELS[watch.state].toLowerCase()}`
  if (watch.state === 'disabled') return `Saved the watch on ${watch.path}, disabled`
  return isNew ? `Watching ${watch.path}` : `Saved the watch on ${watch.path}`
}

const count = (n: number, one: string, many: string): string => `${n.toLocaleString()} ${n === 1 ? one : many}`

/** "3 files handed over, last 2 min ago · 14:05"; "No files handed over yet". */
export function handedOverText(watch: Pick<Watch, 'handedOver' | 'lastFileAt'>, now: number): string {
  if (watch.handedOver === 0 && watch.lastFileAt === null) return 'No files handed over yet'
  const handed = `${count(watch.handedOver, 'file', 'files')} handed over`
  return watch.lastFileAt === null ? handed : `${handed}, last ${pastText(watch.lastFileAt, now)}`
}

/** The files seen and still changing (or not yet still for long enough). */
export function pendingText(pending: number): string {
  return pending === 0 ? 'none' : `${count(pending, 'file', 'files')} settling`
}

/** Which files a watch takes: its glob, and whether subfolders count. */
export function globText(glob: string, recursive: boolean): string {
  return recursive ? `${glob}, subfolders included` : `${glob}, this folder only`
}

/** How long a file must stay the same: "2 s", "0.3 s", "1 min 30 s". */
export function settleText(ms: number): string {
  const seconds = ms / 1000
  if (seconds < 60) return `${Number(seconds.toFixed(3))} s`
  const minutes = Math.floor(seconds / 60)
  const rest = Math.round(seconds - minutes * 60)
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`
}

/** The settle time as the dialog shows it: in seconds. */
export function settleSeconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(3)))
}

/** The settle time as typed, in seconds, checked against the server's bounds. */
export function readSettle(text: string): { ms: number | null; error: string | null } {
  const seconds = Number(text.trim())
  const ms = Math.round(seconds * 1000)
  if (text.trim() === '' || !Number.isFinite(seconds) || ms < MIN_SETTLE_MS || ms > MAX_SETTLE_MS)
    return { ms: null, error: `Seconds, from ${MIN_SETTLE_MS / 1000} to ${(MAX_SETTLE_MS / 1000).toLocaleString()}` }
  return { ms, error: null }
}

/** The last file that settled but made no job: which, and why. */
export function skippedText(skipped: NonNullable<Watch['lastSkipped']>, now: number): string {
  return `${skipped.path}: ${skipped.message} (${pastText(skipped.at, now)})`
}

/**
 * A server's 400 details next to their fields: `paramsTemplate.<name>…` to
 * that param's field, the watch's own fields by name (`path` to the folder),
 * the template as a whole and anything unnamed to the form.
 */
export function watchErrorsByField(detail: readonly { path: string; message: string }[]): { params: Record<string, string>; fields: Record<string, string> } {
  const params: Record<string, string> = {}
  const fields: Record<string, string> = {}
  const add = (key: string, message: string): void => {
    fields[key] = fields[key] ? `${fields[key]}; ${message}` : message
  }
  for (const { path, message } of detail) {
    const [head = '', name] = path.split('.')
    if (head === 'paramsTemplate' && name) params[name] = params[name] ?? message
    else if (head === 'paramsTemplate' || head === '') add('_', message)
    else add(head, message)
  }
  return { params, fields }
}

/** Param names that most likely want the file, or the folder it is in. */
const FILE_PARAMS = /^(path|file|filepath|file_path|input|source|src)$/i
const FOLDER_PARAMS = /^(dir|directory|folder)$/i

/** A new watch's template: params that name a file or a folder start filled with the placeholder for it. */
export function templateStart(fields: readonly Field[]): FormValues {
  const values: FormValues = {}
  for (const field of fields) {
    if (field.kind !== 'text' || field.multiline) continue
    if (FILE_PARAMS.test(field.name)) values[field.name] = '{{path}}'
    else if (FOLDER_PARAMS.test(field.name)) values[field.name] = '{{dir}}'
  }
  return values
}
