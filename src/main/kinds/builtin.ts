import { hashFilesKind } from './hash-files'
import { indexDocumentsKind } from './index-documents'
import type { JobKind } from './kind'
import { shellKind } from './shell'

export const BUILTIN_KINDS: readonly JobKind[] = [shellKind, hashFilesKind, indexDocumentsKind]
