import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import pdfmake from 'pdfmake'
import { PDF_FONTS, PDF_FONT_FILES, withDefaultFont } from '../../src-renderer/pdf/fonts'

/**
 * The Node twin of src-renderer/pdf/render.ts for tests: the same fonts, put in pdfmake's virtual file system the
 * same way, the same policies (no URL, no local file), so a document definition renders as it does in the renderer.
 */
let ready = false

function setUp(): void {
  if (ready) return
  const ttfDir = path.join(path.dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf')
  for (const file of Object.values(PDF_FONT_FILES)) {
    pdfmake.virtualfs.writeFileSync(file, fs.readFileSync(path.join(ttfDir, file)))
  }
  pdfmake.setFonts(PDF_FONTS)
  pdfmake.setUrlAccessPolicy(() => false)
  pdfmake.setLocalAccessPolicy(() => false)
  ready = true
}

export async function renderPdfNode(doc: object): Promise<Uint8Array> {
  setUp()
  const buffer = await pdfmake.createPdf(withDefaultFont(doc)).getBuffer()
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}
