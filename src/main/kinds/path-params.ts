import { accessSync, constants, statSync, type Stats } from 'node:fs'
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path'
import { z } from 'zod'

function statOf(path: string): Stats | null {
  try {
    return statSync(path)
  } catch {
    return null
  }
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK)
    return true
  } catch {
    return false
  }
}

const absolutePath = z.string().min(1).max(4096).refine(isAbsolute, { message: 'Must be an absolute path' })

/** An absolute path to a readable folder that exists when the job is submitted (and again when it runs). */
export const existingFolder = absolutePath.superRefine((path, ctx) => {
  const stat = statOf(path)
  if (!stat) ctx.addIssue({ code: 'custom', message: 'No such folder' })
  else if (!stat.isDirectory()) ctx.addIssue({ code: 'custom', message: 'Is a file, not a folder' })
  else if (!readable(path)) ctx.addIssue({ code: 'custom', message: 'Cannot be read: permission denied' })
})

/** An absolute path to a readable file that exists when the job is submitted (and again when it runs). */
export const existingFile = absolutePath.superRefine((path, ctx) => {
  const stat = statOf(path)
  if (!stat) ctx.addIssue({ code: 'custom', message: 'No such file' })
  else if (stat.isDirectory()) ctx.addIssue({ code: 'custom', message: 'Is a folder, not a file' })
  else if (!readable(path)) ctx.addIssue({ code: 'custom', message: 'Cannot be read: permission denied' })
})

/** The nearest folder at or above `path` that exists, or null when something on the way is a file. */
function nearestFolder(path: string): string | null {
  for (let at = path; ; at = dirname(at)) {
    const stat = statOf(at)
    if (stat) return stat.isDirectory() ? at : null
    if (dirname(at) === at) return null
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK)
    return true
  } catch {
    return false
  }
}

/** A folder to write into: it may not exist yet (the job makes it), but nothing on its way may be a file, and it must be writable. */
export const outputFolder = absolutePath.superRefine((path, ctx) => {
  const at = nearestFolder(path)
  if (at === null) ctx.addIssue({ code: 'custom', message: statOf(path) ? 'Is a file, not a folder' : 'A part of this path is a file, not a folder' })
  else if (!writable(at)) ctx.addIssue({ code: 'custom', message: `Cannot write in ${at}: permission denied` })
})

/** A file to write: its folder may not exist yet, but nothing on its way may be a file; the file itself may not be a folder. */
export const outputFile = absolutePath.superRefine((path, ctx) => {
  if (statOf(path)?.isDirectory()) return ctx.addIssue({ code: 'custom', message: 'Is a folder, not a file' })
  const at = nearestFolder(dirname(path))
  if (at === null) ctx.addIssue({ code: 'custom', message: 'A part of this path is a file, not a folder' })
  else if (!writable(at)) ctx.addIssue({ code: 'custom', message: `Cannot write in ${at}: permission denied` })
})

/** Whether `path` is `folder` or lies under it (both absolute; by name, not by following links). */
export function isInside(path: string, folder: string): boolean {
  const rel = relative(resolve(folder), resolve(path))
  // A child named "..dups" starts with two dots but is inside.
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}
