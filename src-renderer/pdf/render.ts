import { PDF_FONTS, withDefaultFont } from './fonts'

type PdfMake = (typeof import('pdfmake/build/pdfmake'))['default']

let loading: Promise<PdfMake> | undefined

/** pdfmake's browser build (3 MB) and the fonts' data load only when a PDF is first asked for. */
function loadPdfMake(): Promise<PdfMake> {
  loading ??= Promise.all([import('pdfmake/build/pdfmake'), import('./font-data')]).then(([{ default: pdfMake }, { FONT_VFS }]) => {
    pdfMake.addVirtualFileSystem(FONT_VFS)
    pdfMake.setFonts(PDF_FONTS)
    // A letter must not fetch anything: images come as data URLs or from the virtual file system.
    pdfMake.setUrlAccessPolicy(() => false)
    return pdfMake
  })
  return loading
}

/** Renders a pdfmake document definition (pure data, see src-renderer/letters/) to PDF bytes. */
export async function renderPdf(doc: object): Promise<Uint8Array> {
  const pdfMake = await loadPdfMake()
  const buffer = await pdfMake.createPdf(withDefaultFont(doc)).getBuffer()
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}
