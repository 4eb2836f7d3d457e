import { statSync } from 'node:fs'
import { isAbsolute } from 'node:path'
import { z } from 'zod'

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** An absolute path to a folder that exists when the job is submitted (and again when it runs). */
export const existingFolder = z
  .string()
  .min(1)
  .max(4096)
  .refine(isAbsolute, { message: 'Must be an absolute path' })
  .refine(isFolder, { message: 'No such folder' })
