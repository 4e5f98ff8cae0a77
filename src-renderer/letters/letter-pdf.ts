import type { LetterPreview } from '../../src-main/contract'
import { renderPdf } from '../pdf/render'
import { letterDocument, type LetterDocumentOptions } from './letter-document'

/** The letter's PDF/A, as the preview shows it or (with `signing`) as it is handed to letters.sign. */
export function letterPdf(preview: LetterPreview, options: LetterDocumentOptions = {}): Promise<Uint8Array> {
  return renderPdf(letterDocument(preview, options))
}

/** letters.sign takes the PDF as base64; chunked so that a long letter does not overflow the call stack. */
export function pdfBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}
