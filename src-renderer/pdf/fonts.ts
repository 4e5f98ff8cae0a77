/**
 * The one font family of Chevet's PDFs. DejaVu Sans covers French (accents, « », œ, narrow no-break space), and PDF/A
 * needs every glyph embedded, which pdfmake does for TTF fonts — never rely on the 14 standard PDF fonts.
 * Pure data, shared by the renderer (virtual file system built from bundled files) and the Node tests.
 */
export const PDF_FONT_FAMILY = 'DejaVuSans'

/** File names as they appear in the dejavu-fonts-ttf package's ttf/ folder, and as keys of pdfmake's virtual file system. */
export const PDF_FONT_FILES = {
  normal: 'DejaVuSans.ttf',
  bold: 'DejaVuSans-Bold.ttf',
  italics: 'DejaVuSans-Oblique.ttf',
  bolditalics: 'DejaVuSans-BoldOblique.ttf',
} as const

export const PDF_FONTS = { [PDF_FONT_FAMILY]: { ...PDF_FONT_FILES } }

/** Every document gets our font unless it names one, so no glyph silently falls back to a non-embedded font. */
export function withDefaultFont(doc: object): object {
  const d = doc as { defaultStyle?: Record<string, unknown> }
  return { ...doc, defaultStyle: { font: PDF_FONT_FAMILY, ...(d.defaultStyle ?? {}) } }
}
