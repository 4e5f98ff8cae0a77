type PdfJs = typeof import('pdfjs-dist')

let loading: Promise<PdfJs> | undefined

/**
 * pdf.js loads only when a PDF is first shown. Its worker is a file of the app (CSP script-src 'self'); no eval
 * (CSP), nothing fetched: the PDFs shown are ours, fonts embedded (PDF/A), so no standard fonts or CMaps are needed.
 */
function loadPdfJs(): Promise<PdfJs> {
  loading ??= Promise.all([import('pdfjs-dist'), import('pdfjs-dist/build/pdf.worker.min.mjs?url')]).then(([pdfjs, worker]) => {
    pdfjs.GlobalWorkerOptions.workerSrc = worker.default
    return pdfjs
  })
  return loading
}

export interface RenderedPages {
  count: number
  /** Stops drawing (the component went away) and frees the document. */
  destroy(): Promise<void>
}

/**
 * Draws every page of a PDF, each onto the canvas `canvasFor(n, count)` gives (1-based), `cssWidth` CSS pixels wide,
 * sharp on the screen's pixel ratio (at least `minPixelRatio`: 2.5 puts an A4 page printed from the screen near
 * 200 dpi). The bytes are copied: pdf.js hands its input to the worker.
 */
export async function drawPdfPages(
  bytes: Uint8Array,
  cssWidth: number,
  canvasFor: (pageNumber: number, count: number) => Promise<HTMLCanvasElement | null>,
  options: { minPixelRatio?: number } = {},
): Promise<RenderedPages> {
  const pdfjs = await loadPdfJs()
  const task = pdfjs.getDocument({ data: bytes.slice(), isEvalSupported: false, disableFontFace: false, useSystemFonts: false, stopAtErrors: true })
  const document = await task.promise
  let stopped = false
  const rendered: RenderedPages = {
    count: document.numPages,
    async destroy() {
      stopped = true
      await task.destroy()
    },
  }
  for (let n = 1; n <= document.numPages && !stopped; n++) {
    const page = await document.getPage(n)
    const canvas = await canvasFor(n, document.numPages)
    if (!canvas || stopped) break
    const ratio = Math.max(window.devicePixelRatio || 1, options.minPixelRatio ?? 1)
    const viewport = page.getViewport({ scale: (cssWidth / page.getViewport({ scale: 1 }).width) * ratio })
    canvas.width = Math.floor(viewport.width)
    canvas.height = Math.floor(viewport.height)
    canvas.style.width = `${cssWidth}px`
    canvas.style.height = `${Math.floor(viewport.height / ratio)}px`
    await page.render({ canvas, viewport }).promise
    canvas.dataset.rendered = 'true'
  }
  return rendered
}
